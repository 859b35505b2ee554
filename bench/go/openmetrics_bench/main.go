// Command openmetrics_bench measures client_golang 1.14 (Debian's, GOPATH
// mode) on the shapes bench/scrape_bench.cc and bench/exemplar_bench.cc use:
// Gather + text and Gather + OpenMetrics encoding of 10,000 three-label
// counter series, and Histogram.ObserveWithExemplar. It prints one JSON
// object for bench/report.py.
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
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

var (
	types    = []string{"telemetry.sensor.reading", "telemetry.device.status", "command.ack", "event.audit"}
	statuses = []string{"success", "failed"}
)

const series = 10000

// median runs f reps times and returns the median wall time of one run.
func median(reps int, f func()) time.Duration {
	times := make([]time.Duration, reps)
	for i := range times {
		start := time.Now()
		f()
		times[i] = time.Since(start)
	}
	sort.Slice(times, func(a, b int) bool { return times[a] < times[b] })
	return times[reps/2]
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
	text()
	om()
	textNs := float64(median(21, text).Nanoseconds())
	omNs := float64(median(21, om).Nanoseconds())
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
	observeNs := float64(median(5, observe).Nanoseconds()) / calls
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	observe()
	runtime.ReadMemStats(&after)

	out := map[string]float64{
		"gather_text_10k_ns":           textNs,
		"gather_openmetrics_10k_ns":    omNs,
		"openmetrics_bytes":            float64(omBytes),
		"observe_with_exemplar_ns":     observeNs,
		"observe_with_exemplar_allocs": float64(after.Mallocs-before.Mallocs) / calls,
		"observe_with_exemplar_bytes":  float64(after.TotalAlloc-before.TotalAlloc) / calls,
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		panic(err)
	}
}
