package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
)

// healthcheckAddr turns the server's HTTP listener (which may bind every
// interface) into an address to connect to.
func healthcheckAddr(listener string) (string, error) {
	host, port, err := net.SplitHostPort(listener)
	if err != nil {
		return "", fmt.Errorf("--http %q: want host:port", listener)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::", "[::]":
		host = "::1"
	}
	return net.JoinHostPort(host, port), nil
}

// healthcheck asks the node's /readyz (or path) and succeeds only on 200 OK.
// It is the Docker health probe: the image has no shell or curl.
func healthcheck(ctx context.Context, w io.Writer, client *http.Client, listener, path string) error {
	addr, err := healthcheckAddr(listener)
	if err != nil {
		return err
	}
	url := "http://" + addr + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	text := strings.TrimSpace(string(body))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck %s: %s: %s", url, resp.Status, text)
	}
	_, err = fmt.Fprintln(w, text)
	return err
}
