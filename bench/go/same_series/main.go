// Command same_series runs client_golang's side of bench/contention_bench.cc:
// each operation on 1 and 2 goroutines (GOMAXPROCS set to match) that all
// record the SAME series, and prints wall nanoseconds per call over all
// goroutines as Google Benchmark JSON, so that bench/report.py reads it like
// the C++ results of the same run.
//
// Build (Debian's client_golang, GOPATH mode):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o same_series ./bench/go/same_series
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type benchmark struct {
	Name          string  `json:"name"`
	RunName       string  `json:"run_name"`
	RunType       string  `json:"run_type"`
	AggregateName string  `json:"aggregate_name"`
	Threads       int     `json:"threads"`
	RealTime      float64 `json:"real_time"`
	TimeUnit      string  `json:"time_unit"`
}

// wallNsPerCall runs op n times on each of threads goroutines and returns the
// wall time over all calls.
func wallNsPerCall(threads, n int, op func(*float64)) float64 {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for t := 0; t < threads; t++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := 0.0
			<-start
			for i := 0; i < n; i++ {
				op(&v)
			}
		}()
	}
	begin := time.Now()
	close(start)
	wg.Wait()
	return float64(time.Since(begin).Nanoseconds()) / float64(threads*n)
}

// measure grows the per-goroutine call count until one run takes minTime,
// then returns the median of repetitions runs of that size.
func measure(threads, repetitions int, minTime time.Duration, op func(*float64)) float64 {
	prev := runtime.GOMAXPROCS(threads)
	defer runtime.GOMAXPROCS(prev)
	n := 1000
	for i := 0; i < 30; i++ {
		ns := wallNsPerCall(threads, n, op)
		if time.Duration(ns*float64(threads*n)) >= minTime {
			break
		}
		n *= 4
	}
	runs := make([]float64, repetitions)
	for i := range runs {
		runs[i] = wallNsPerCall(threads, n, op)
	}
	sort.Float64s(runs)
	return runs[len(runs)/2]
}

func nextObservation(v float64) float64 {
	if v > 12 {
		return 0
	}
	return v + 0.37
}

func main() {
	repetitions := flag.Int("repetitions", 5, "runs per measurement; the median is reported")
	minTime := flag.Duration("min_time", 300*time.Millisecond, "minimum wall time of one run")
	out := flag.String("out", "", "JSON output file (default stdout)")
	flag.Parse()

	counter := prometheus.NewCounter(prometheus.CounterOpts{Name: "same_counter_total", Help: "h"})
	counterAdd := prometheus.NewCounter(prometheus.CounterOpts{Name: "same_counter_add_total", Help: "h"})
	histogram := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "same_seconds", Help: "h"})
	native := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "same_native_seconds", Help: "h", NativeHistogramBucketFactor: 1.1})
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "semstreams_messages_processed_total", Help: "h"}, []string{"service", "type", "status"})
	ops := []struct {
		name string
		op   func(*float64)
	}{
		{"CounterInc", func(*float64) { counter.Inc() }},
		{"CounterAdd", func(*float64) { counterAdd.Add(2) }},
		{"HistogramObserve", func(v *float64) { *v = nextObservation(*v); histogram.Observe(*v) }},
		{"NativeObserve", func(v *float64) { *v = nextObservation(*v); native.Observe(*v) }},
		{"WithLabelValuesInc", func(*float64) {
			vec.WithLabelValues("ingest-service", "telemetry.sensor.reading", "success").Inc()
		}},
	}

	var results struct {
		Benchmarks []benchmark `json:"benchmarks"`
	}
	for _, o := range ops {
		for _, threads := range []int{1, 2} {
			name := fmt.Sprintf("BM_SameSeries_Go_%s/real_time/threads:%d", o.name, threads)
			fmt.Fprintf(os.Stderr, "running %s\n", name)
			ns := measure(threads, *repetitions, *minTime, o.op)
			results.Benchmarks = append(results.Benchmarks, benchmark{
				Name: name + "_median", RunName: name, RunType: "aggregate",
				AggregateName: "median", Threads: threads, RealTime: ns, TimeUnit: "ns"})
		}
	}
	data, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if *out == "" {
		fmt.Println(string(data))
		return
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
