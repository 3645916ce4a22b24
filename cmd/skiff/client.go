package main

import (
	"context"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/urfave/cli/v2"
)

const defaultBrokers = "127.0.0.1:9092"

// clientFlags are the flags of every command that talks to brokers.
func clientFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{
			Name: "brokers", Aliases: []string{"b", "bootstrap-server"}, EnvVars: []string{"SKIFF_BROKERS"},
			Value: defaultBrokers, Usage: "brokers to bootstrap from, host:port,...",
		},
		&cli.StringFlag{Name: "format", Value: "text", Usage: "output format: text or json"},
		&cli.DurationFlag{Name: "timeout", Value: 30 * time.Second, Usage: "give up on the brokers after this long"},
	}
}

// brokersOf returns the brokers of -b, split at commas.
func brokersOf(c *cli.Context) []string {
	var out []string
	for _, b := range strings.Split(c.String("brokers"), ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// newClient returns a client for the command's brokers.
func newClient(c *cli.Context, opts ...kgo.Opt) (*kgo.Client, error) {
	return kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokersOf(c)...)}, opts...)...)
}

// adminCommand runs fn with the command's positional arguments (n of
// them, or at least one when n < 0; usage describes them), an admin client
// for the command's brokers, a context bounded by --timeout, and the output
// format.
func adminCommand(n int, usage string, fn func(ctx context.Context, c *cli.Context, adm *kadm.Client, f outputFormat, args []string) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		args, err := exactArgs(c, n, usage)
		if err != nil {
			return err
		}
		f, err := parseFormat(c.String("format"))
		if err != nil {
			return err
		}
		cl, err := newClient(c)
		if err != nil {
			return err
		}
		defer cl.Close()
		ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
		defer cancel()
		return clientErr(c, fn(ctx, c, kadm.NewClient(cl), f, args))
	}
}
