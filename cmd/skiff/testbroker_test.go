package main

import (
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
)

// startTestBroker starts a broker for the CLI tests and returns its
// bootstrap address. It is franz-go's kfake for now; the lead switches this
// one function to an in-process Skiff node, so every CLI test goes through
// it.
func startTestBroker(t *testing.T) (addr string) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatalf("start test broker: %v", err)
	}
	t.Cleanup(c.Close)
	return strings.Join(c.ListenAddrs(), ",")
}
