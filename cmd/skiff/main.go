// Command skiff is the Skiff binary: `skiff server` runs a node, and the
// other subcommands (storage, topic, produce, consume, cluster,
// healthcheck) prepare storage and administer a cluster with Kafka's own
// protocol. It holds no broker logic: the node lives in package server.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	a := &app{in: os.Stdin, out: os.Stdout, errOut: os.Stderr, env: os.Environ(), start: startNode}
	code := a.run(ctx, os.Args)
	stop()
	os.Exit(code)
}

// run runs one command line and returns the process exit code, printing
// the error (with the Kafka error code and a hint, where there is one).
func (a *app) run(ctx context.Context, args []string) int {
	if err := a.cli().RunContext(ctx, args); err != nil {
		fmt.Fprintln(a.errOut, "skiff: "+errorMessage(err))
		return 1
	}
	return 0
}
