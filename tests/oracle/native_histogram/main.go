// Command native_histogram prints client_golang's native histogram state for
// a script of observations, as the oracle of tests/unit/native_histogram_test.cc.
//
// Script lines (floats are IEEE-754 bit patterns in hex):
//
//	opts <factor> <zero_threshold> <max_buckets> <min_reset_ns> <max_zero_threshold> <n> <bound>...
//	o <value>    observe
//	t <ns>       advance the histogram's clock
//	w            write the histogram and print it
//
// Each "w" prints one line; see formatHistogram.
package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func bitsToFloat(s string) float64 {
	b, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		panic(err)
	}
	return math.Float64frombits(b)
}

func formatSpans(spans []*dto.BucketSpan, deltas []int64) string {
	var b strings.Builder
	for _, s := range spans {
		fmt.Fprintf(&b, " %d:%d", s.GetOffset(), s.GetLength())
	}
	b.WriteString(" |")
	for _, d := range deltas {
		fmt.Fprintf(&b, " %d", d)
	}
	return b.String()
}

func formatHistogram(h *dto.Histogram) string {
	var b strings.Builder
	fmt.Fprintf(&b, "count=%d sum=%016x schema=%d zt=%016x zc=%d classic=",
		h.GetSampleCount(), math.Float64bits(h.GetSampleSum()), h.GetSchema(),
		math.Float64bits(h.GetZeroThreshold()), h.GetZeroCount())
	for _, bucket := range h.GetBucket() {
		if math.IsInf(bucket.GetUpperBound(), +1) {
			continue // only present with an exemplar
		}
		fmt.Fprintf(&b, "%d,", bucket.GetCumulativeCount())
	}
	b.WriteString(" neg" + formatSpans(h.GetNegativeSpan(), h.GetNegativeDelta()))
	b.WriteString(" pos" + formatSpans(h.GetPositiveSpan(), h.GetPositiveDelta()))
	return b.String()
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	var (
		h      prometheus.Histogram
		offset time.Duration
		base   = time.Unix(1700000000, 0)
	)
	for in.Scan() {
		f := strings.Fields(in.Text())
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "opts":
			n, _ := strconv.Atoi(f[6])
			var bounds []float64
			for i := 0; i < n; i++ {
				bounds = append(bounds, bitsToFloat(f[7+i]))
			}
			maxBuckets, _ := strconv.ParseUint(f[3], 10, 32)
			minReset, _ := strconv.ParseInt(f[4], 10, 64)
			h = prometheus.NewHistogram(prometheus.HistogramOpts{
				Name:                            "oracle",
				Help:                            "oracle",
				Buckets:                         bounds,
				NativeHistogramBucketFactor:     bitsToFloat(f[1]),
				NativeHistogramZeroThreshold:    bitsToFloat(f[2]),
				NativeHistogramMaxBucketNumber:  uint32(maxBuckets),
				NativeHistogramMinResetDuration: time.Duration(minReset),
				NativeHistogramMaxZeroThreshold: bitsToFloat(f[5]),
			})
			offset = 0
			prometheus.SetHistogramClockForOracle(h, func() time.Time { return base.Add(offset) })
		case "o":
			h.Observe(bitsToFloat(f[1]))
		case "t":
			ns, _ := strconv.ParseInt(f[1], 10, 64)
			offset += time.Duration(ns)
		case "w":
			var m dto.Metric
			if err := h.Write(&m); err != nil {
				panic(err)
			}
			fmt.Fprintln(out, formatHistogram(m.GetHistogram()))
		default:
			panic("unknown script line: " + in.Text())
		}
	}
}
