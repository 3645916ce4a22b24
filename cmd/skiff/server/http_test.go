package server

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func testGatherer(t *testing.T) *prometheus.Registry {
	t.Helper()
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "kafka_server_brokertopicmetrics_messagesin_total", Help: "Messages in."})
	reg.MustRegister(c)
	c.Add(3)
	return reg
}

func get(t *testing.T, h http.Handler, method, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec.Code, rec.Body.String()
}

func TestHTTPEndpoints(t *testing.T) {
	var notReady error = errors.New("metadata not caught up")
	h := NewHTTPHandler(HTTPOptions{
		Gatherer: testGatherer(t),
		Ready:    func() error { return notReady },
		Logger:   zerolog.Nop(),
	})
	tests := []struct {
		method, path string
		code         int
		body         string
	}{
		{"GET", "/healthz", 200, "ok"},
		{"HEAD", "/healthz", 200, ""},
		{"GET", "/readyz", 503, "not ready: metadata not caught up"},
		{"GET", "/metrics", 200, "kafka_server_brokertopicmetrics_messagesin_total 3"},
		{"GET", "/", 200, "/metrics"},
		{"GET", "/nope", 404, ""},
		{"POST", "/healthz", 405, ""},
	}
	for _, tt := range tests {
		code, body := get(t, h, tt.method, tt.path)
		if code != tt.code || !strings.Contains(body, tt.body) {
			t.Errorf("%s %s = %d %q, want %d containing %q", tt.method, tt.path, code, body, tt.code, tt.body)
		}
	}
	notReady = nil
	if code, body := get(t, h, "GET", "/readyz"); code != 200 || body != "ready\n" {
		t.Errorf("ready: %d %q", code, body)
	}
	noCheck := NewHTTPHandler(HTTPOptions{Gatherer: prometheus.NewRegistry()})
	if code, body := get(t, noCheck, "GET", "/readyz"); code != 503 || !strings.Contains(body, "no readiness check") {
		t.Errorf("nil readiness: %d %q", code, body)
	}
}

func TestHTTPServerOnRealListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := ServeHTTP(ln, HTTPOptions{Gatherer: testGatherer(t), Ready: func() error { return nil }, Logger: zerolog.Nop()})
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		resp, err := client.Get("http://" + s.Addr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(body) == 0 {
			t.Errorf("%s: %d %q", path, resp.StatusCode, body)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if _, err := client.Get("http://" + s.Addr().String() + "/healthz"); err == nil {
		t.Error("server still answers after Close")
	}
}
