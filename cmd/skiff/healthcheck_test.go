package main

import (
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/skiffhq/skiff/cmd/skiff/server"
)

func TestHealthcheck(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var ready atomic.Bool
	s := server.ServeHTTP(ln, server.HTTPOptions{
		Gatherer: prometheus.NewRegistry(),
		Ready: func() error {
			if !ready.Load() {
				return errors.New("still loading metadata")
			}
			return nil
		},
		Logger: zerolog.Nop(),
	})
	defer s.Close()
	addr := ln.Addr().String()
	_, port, _ := net.SplitHostPort(addr)

	runCLI(t, "", "healthcheck", "--http", addr).fails(t, "503", "still loading metadata")
	runCLI(t, "", "healthcheck", "--http", "0.0.0.0:"+port, "--path", "/healthz").ok(t)
	ready.Store(true)
	r := runCLI(t, "", "healthcheck", "--http", ":"+port).ok(t)
	if strings.TrimSpace(r.out) != "ready" {
		t.Errorf("output %q", r.out)
	}
	runCLI(t, "", "healthcheck", "--http", "127.0.0.1:1").fails(t, "connection refused")
	runCLI(t, "", "healthcheck", "--http", "nonsense").fails(t, "want host:port")
	if a, _ := healthcheckAddr("[::]:9644"); a != "[::1]:9644" {
		t.Errorf("ipv6 wildcard -> %s", a)
	}
}
