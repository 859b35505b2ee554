// Command openmetrics_bench measures client_golang 1.14 (Debian's, GOPATH
// mode) on the shapes bench/scrape_bench.cc and bench/exemplar_bench.cc use:
// Gather + text, OpenMetrics and delimited protobuf encoding of 10,000
// three-label counter series, Histogram.ObserveWithExemplar, and classic and
// native Histogram.Observe. It prints one JSON object for bench/report.py.
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go run main.go
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sort"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

var (
	types    = []string{"telemetry.sensor.reading", "telemetry.device.status", "command.ack", "event.audit"}
	statuses = []string{"success", "failed"}
)

const series = 10000

// cpuNow is the CPU time this process has used (all threads, the garbage
// collector's included: it is part of the work).
func cpuNow() time.Duration {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		panic(err)
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}

// median runs f reps times and returns the median wall and CPU time of one
// run. On a loaded machine wall time measures the neighbours; CPU time is
// what bench/report.py compares with Google Benchmark's cpu_time.
func median(reps int, f func()) (wall, cpu time.Duration) {
	walls := make([]time.Duration, reps)
	cpus := make([]time.Duration, reps)
	for i := range walls {
		start, startCPU := time.Now(), cpuNow()
		f()
		walls[i], cpus[i] = time.Since(start), cpuNow()-startCPU
	}
	sort.Slice(walls, func(a, b int) bool { return walls[a] < walls[b] })
	sort.Slice(cpus, func(a, b int) bool { return cpus[a] < cpus[b] })
	return walls[reps/2], cpus[reps/2]
}

func main() {
	reg := prometheus.NewRegistry()
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "semstreams", Name: "messages_processed_total",
		Help: "Total number of messages processed",
	}, []string{"service", "type", "status"})
	reg.MustRegister(vec)
	perService := len(types) * len(statuses)
	for s := 0; s < series/perService; s++ {
		service := fmt.Sprintf("service-%04d", s)
		for _, t := range types {
			for _, st := range statuses {
				vec.WithLabelValues(service, t, st).Add(7)
			}
		}
	}

	var buf bytes.Buffer
	encode := func(format expfmt.Format) func() {
		return func() {
			buf.Reset()
			families, err := reg.Gather()
			if err != nil {
				panic(err)
			}
			enc := expfmt.NewEncoder(&buf, format)
			for _, mf := range families {
				if err := enc.Encode(mf); err != nil {
					panic(err)
				}
			}
			if closer, ok := enc.(expfmt.Closer); ok {
				if err := closer.Close(); err != nil {
					panic(err)
				}
			}
		}
	}
	text := encode(expfmt.FmtText)
	om := encode(expfmt.FmtOpenMetrics)
	proto := encode(expfmt.FmtProtoDelim)
	text()
	om()
	proto()
	textWall, textCPU := median(21, text)
	protoWall, protoCPU := median(21, proto)
	omWall, omCPU := median(21, om)
	omBytes := buf.Len()

	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "latency_seconds", Help: "h"})
	observer := h.(prometheus.ExemplarObserver)
	labels := prometheus.Labels{"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"}
	const calls = 2000000
	observe := func() {
		for i := 0; i < calls; i++ {
			observer.ObserveWithExemplar(0.042, labels)
		}
	}
	observe()
	observeWall, observeCPU := median(5, observe)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	observe()
	runtime.ReadMemStats(&after)

	// Classic and classic + native Observe on bench/native_histogram_bench's
	// values: 33 distinct ones in [0, 12], every native bucket made on lap one.
	observeLoop := func(o prometheus.Observer) func() {
		return func() {
			v := 0.0
			for i := 0; i < calls; i++ {
				if v > 12 {
					v = 0
				} else {
					v += 0.37
				}
				o.Observe(v)
			}
		}
	}
	classic := observeLoop(prometheus.NewHistogram(prometheus.HistogramOpts{Name: "classic_seconds", Help: "h"}))
	native := observeLoop(prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "native_seconds", Help: "h", NativeHistogramBucketFactor: 1.1,
	}))
	classic()
	native()
	classicWall, classicCPU := median(5, classic)
	nativeWall, nativeCPU := median(5, native)

	out := map[string]float64{
		"gather_protobuf_10k_ns":        float64(protoWall.Nanoseconds()),
		"gather_protobuf_10k_cpu_ns":    float64(protoCPU.Nanoseconds()),
		"observe_classic_ns":            float64(classicWall.Nanoseconds()) / calls,
		"observe_classic_cpu_ns":        float64(classicCPU.Nanoseconds()) / calls,
		"observe_native_ns":             float64(nativeWall.Nanoseconds()) / calls,
		"observe_native_cpu_ns":         float64(nativeCPU.Nanoseconds()) / calls,
		"gather_text_10k_ns":            float64(textWall.Nanoseconds()),
		"gather_text_10k_cpu_ns":        float64(textCPU.Nanoseconds()),
		"gather_openmetrics_10k_ns":     float64(omWall.Nanoseconds()),
		"gather_openmetrics_10k_cpu_ns": float64(omCPU.Nanoseconds()),
		"openmetrics_bytes":             float64(omBytes),
		"observe_with_exemplar_ns":      float64(observeWall.Nanoseconds()) / calls,
		"observe_with_exemplar_cpu_ns":  float64(observeCPU.Nanoseconds()) / calls,
		"observe_with_exemplar_allocs":  float64(after.Mallocs-before.Mallocs) / calls,
		"observe_with_exemplar_bytes":   float64(after.TotalAlloc-before.TotalAlloc) / calls,
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		panic(err)
	}
}
