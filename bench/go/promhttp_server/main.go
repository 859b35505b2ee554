// Command promhttp_server is the Go side of bench/http_vs_go.sh: client_golang
// 1.14's promhttp (Debian's, GOPATH mode) behind net/http, set up the way a
// typical exporter is, serving a registry shaped like the one
// examples/metrics_server.cc serves with --series N.
//
//	/metrics  promhttp.HandlerFor(registry, HandlerOpts{EnableOpenMetrics: true})
//	          (gzip when the client accepts it, like ours)
//	/health   {"status":"healthy","timestamp":"<RFC 3339 UTC>"}, as ours
//
// The registry holds a process collector (ours registers one too) and, with
// -series N, the family examples/metrics_server.cc --series N adds: a counter
// vector padding_series_total{id} (same help text) with ids "0".."N-1", each
// incremented once (-series-name renames it). It listens on 127.0.0.1 (-listen), prints
// "listening on 127.0.0.1:PORT" once bound, and stops on SIGINT/SIGTERM.
//
// Build (Debian's client_golang, GOPATH mode, offline):
//
//	cd bench/go/promhttp_server &&
//	  GO111MODULE=off GOPROXY=off GOPATH=/usr/share/gocode go build -o promhttp_server .
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on (host:port; port 0 = any free port)")
	series := flag.Int("series", 0, "series of semstreams_bench_series_total{id} to register")
	seriesName := flag.String("series-name", "padding_series_total", "name of the -series counter vector")
	goCollector := flag.Bool("go-collector", false, "also register the Go runtime collector (go_* families)")
	flag.Parse()
	if *series < 0 {
		fmt.Fprintln(os.Stderr, "promhttp_server: -series must be >= 0")
		os.Exit(2)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if *goCollector {
		reg.MustRegister(collectors.NewGoCollector())
	}
	if *series > 0 {
		vec := prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: *seriesName,
			Help: "Extra series asked for with --series",
		}, []string{"id"})
		reg.MustRegister(vec)
		for i := 0; i < *series; i++ {
			vec.WithLabelValues(strconv.Itoa(i)).Inc()
		}
	}

	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true}))
	mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		// Struct order keeps "status" first, like ours.
		_ = json.NewEncoder(w).Encode(struct {
			Status    string `json:"status"`
			Timestamp string `json:"timestamp"`
		}{"healthy", time.Now().UTC().Format(time.RFC3339)})
	})

	server := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		WriteTimeout:      30 * time.Second,
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("promhttp_server: %v", err)
	}
	fmt.Printf("listening on %s\n", ln.Addr())
	os.Stdout.Sync()

	done := make(chan struct{})
	go func() {
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = server.Shutdown(ctx)
		close(done)
	}()
	if err := server.Serve(ln); err != nil && err != http.ErrServerClosed {
		log.Fatalf("promhttp_server: %v", err)
	}
	<-done
}
