package main

import (
	"testing"

	"github.com/skiffhq/skiff/cmd/skiff/server/servertest"
)

// startTestBroker starts an in-process Skiff node for the CLI tests and
// returns its bootstrap address; every CLI test that needs a broker goes
// through it.
func startTestBroker(t *testing.T) (addr string) {
	t.Helper()
	return servertest.Start(t, servertest.WithoutHTTP()).Addr()
}
