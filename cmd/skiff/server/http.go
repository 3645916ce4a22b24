package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"
)

// HTTPOptions configure the HTTP endpoints.
type HTTPOptions struct {
	// Gatherer supplies /metrics; required. Pass the node's own registry:
	// nothing here uses Prometheus' global one.
	Gatherer prometheus.Gatherer
	// Ready reports whether the node serves clients (registered, metadata
	// caught up, listeners bound); the error's text tells why not. Nil
	// means never ready.
	Ready func() error
	// Logger gets a component=http field.
	Logger zerolog.Logger
}

// httpShutdownTimeout bounds how long Close waits for requests in flight.
const httpShutdownTimeout = 5 * time.Second

// HTTPServer serves /healthz, /readyz and /metrics on one listener.
type HTTPServer struct {
	srv  *http.Server
	ln   net.Listener
	done chan struct{} // closed when the serving goroutine returns
	err  error         // why Serve returned; read after done
}

// ServeHTTP starts serving the endpoints on ln, in a goroutine that Close
// stops and waits for.
func ServeHTTP(ln net.Listener, opts HTTPOptions) *HTTPServer {
	logger := opts.Logger.With().Str("component", "http").Logger()
	s := &HTTPServer{
		srv: &http.Server{
			Handler:           NewHTTPHandler(opts),
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       2 * time.Minute,
		},
		ln:   ln,
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		err := s.srv.Serve(ln)
		if !errors.Is(err, http.ErrServerClosed) {
			logger.Error().Err(err).Str("addr", ln.Addr().String()).Msg("http server stopped")
			s.err = err
		}
	}()
	logger.Info().Str("addr", ln.Addr().String()).Msg("serving /healthz /readyz /metrics")
	return s
}

// Addr is the address the server listens on.
func (s *HTTPServer) Addr() net.Addr { return s.ln.Addr() }

// Close stops accepting connections, lets requests in flight finish (for
// at most a few seconds), and waits for the serving goroutine.
func (s *HTTPServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), httpShutdownTimeout)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, s.srv.Close())
	}
	<-s.done
	return errors.Join(err, s.err)
}

// NewHTTPHandler returns the endpoints as a handler (ServeHTTP uses it;
// tests can call it directly).
func NewHTTPHandler(opts HTTPOptions) http.Handler {
	logger := opts.Logger.With().Str("component", "http").Logger()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeText(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if err := readiness(opts.Ready); err != nil {
			writeText(w, http.StatusServiceUnavailable, "not ready: "+err.Error())
			return
		}
		writeText(w, http.StatusOK, "ready")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(opts.Gatherer, promhttp.HandlerOpts{
		ErrorLog:      promLogger{logger},
		ErrorHandling: promhttp.ContinueOnError,
	}))
	// Go's profiler, for diagnosing a live broker (CPU, heap, goroutines).
	// The HTTP listener is on loopback unless an operator exposes it.
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		writeText(w, http.StatusOK, "skiff: /healthz /readyz /metrics /debug/pprof/")
	})
	return mux
}

func readiness(ready func() error) error {
	if ready == nil {
		return errors.New("no readiness check")
	}
	return ready()
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = fmt.Fprintln(w, body)
}

// promLogger sends promhttp's errors (a collector that failed) to zerolog.
type promLogger struct{ logger zerolog.Logger }

func (l promLogger) Println(v ...any) { l.logger.Warn().Msg(fmt.Sprint(v...)) }
