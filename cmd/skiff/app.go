package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
)

// app is the skiff command line with its process surroundings passed in,
// so tests run it as users do without touching the process.
type app struct {
	in     io.Reader
	out    io.Writer
	errOut io.Writer
	env    []string
	start  startFunc // starts a node for `skiff server`
}

// cliError carries the brokers a failed client command talked to, for the
// hint main prints.
type cliError struct {
	err     error
	brokers []string
}

func (e *cliError) Error() string { return e.err.Error() }
func (e *cliError) Unwrap() error { return e.err }

// errorMessage is what the CLI prints for err.
func errorMessage(err error) string {
	var ce *cliError
	if errors.As(err, &ce) {
		return explain(ce.err, ce.brokers)
	}
	return explain(err, nil)
}

func (a *app) cli() *cli.App {
	return &cli.App{
		Name:      "skiff",
		Usage:     "a Kafka-compatible event-streaming broker",
		Reader:    a.in,
		Writer:    a.out,
		ErrWriter: a.errOut,
		// Values of --override and -c contain commas (listeners=A://..,B://..),
		// so repeated flags are never split at commas.
		DisableSliceFlagSeparator: true,
		// Errors are printed and turned into exit codes by run, never by
		// urfave calling os.Exit.
		ExitErrHandler:  func(*cli.Context, error) {},
		HideHelpCommand: true,
		Commands: []*cli.Command{
			a.serverCommand(),
			a.storageCommand(),
			a.healthcheckCommand(),
			a.topicCommand(),
			a.produceCommand(),
			a.consumeCommand(),
			a.clusterCommand(),
		},
	}
}

// positional returns a leaf command's positional arguments, applying any
// flags written after them (`topic create orders -p 3`): urfave/cli stops
// parsing flags at the first argument, kafka-topics.sh and rpk users do not.
func positional(c *cli.Context) ([]string, error) {
	var args []string
	rest := c.Args().Slice()
	for i := 0; i < len(rest); i++ {
		arg := rest[i]
		if arg == "--" {
			return append(args, rest[i+1:]...), nil
		}
		if !strings.HasPrefix(arg, "-") || arg == "-" || isNumber(arg) {
			args = append(args, arg)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		flag := lookupFlag(c.Command.Flags, name)
		if flag == nil {
			return nil, fmt.Errorf("unknown flag %s", arg)
		}
		if !hasValue {
			if isBool(flag) {
				value = "true"
			} else if i+1 < len(rest) {
				i++
				value = rest[i]
			} else {
				return nil, fmt.Errorf("flag %s needs a value", arg)
			}
		}
		// Set the primary name: urfave keeps a string flag's aliases in
		// separate variables and reads the primary one.
		if err := c.Set(flag.Names()[0], value); err != nil {
			return nil, fmt.Errorf("flag %s: %w", arg, err)
		}
	}
	return args, nil
}

func isNumber(s string) bool {
	_, err := fmt.Sscan(s, new(float64))
	return err == nil
}

func lookupFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

func isBool(f cli.Flag) bool {
	_, ok := f.(*cli.BoolFlag)
	return ok
}

// exactArgs returns the command's positional arguments, requiring n
// (or at least one when n < 0).
func exactArgs(c *cli.Context, n int, what string) ([]string, error) {
	args, err := positional(c)
	if err != nil {
		return nil, err
	}
	if (n < 0 && len(args) == 0) || (n >= 0 && len(args) != n) {
		return nil, fmt.Errorf("usage: %s %s", c.Command.HelpName, what)
	}
	return args, nil
}
