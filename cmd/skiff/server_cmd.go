package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/skiffhq/skiff/cmd/skiff/server"
	kconfig "github.com/skiffhq/skiff/metadata/config"
	"github.com/urfave/cli/v2"
)

// node is what `skiff server` needs of a running node.
type node interface {
	Wait() error
	Close() error
}

// startFunc starts a node; main uses server.Start, tests a fake.
type startFunc func(ctx context.Context, cfg server.Config, logger zerolog.Logger) (node, error)

// startNode adapts server.Start.
func startNode(ctx context.Context, cfg server.Config, logger zerolog.Logger) (node, error) {
	n, err := server.Start(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	return n, nil
}

// configFlags are the flags that build a server.Config: one per
// server.Flags entry, --config and --override.
func configFlags() []cli.Flag {
	var flags []cli.Flag
	for _, f := range server.Flags() {
		sf := &cli.StringFlag{Name: f.Name, Usage: f.Usage, EnvVars: []string{f.Env}}
		if f.Name == "cluster-id" {
			sf.Aliases = []string{"t"} // kafka-storage format's short flag
		}
		if d, ok := kconfig.BrokerDef(f.Key); ok && d.HasDefault {
			sf.DefaultText = d.Default
		}
		flags = append(flags, sf)
	}
	return append(flags,
		&cli.StringFlag{Name: "config", Usage: "a Kafka server.properties file", EnvVars: []string{server.ConfigFileEnv}},
		&cli.StringSliceFlag{Name: "override", EnvVars: []string{"SKIFF_OVERRIDE"},
			Usage: "set any Kafka broker key as key=value, over every other source (repeatable; in the env, one per line)"},
	)
}

// loadArgs collects the configuration sources of a command.
func (a *app) loadArgs(c *cli.Context) server.LoadArgs {
	flags := map[string]string{}
	for _, f := range server.Flags() {
		if c.IsSet(f.Name) {
			flags[f.Name] = c.String(f.Name)
		}
	}
	var overrides []string
	for _, o := range c.StringSlice("override") {
		for _, line := range strings.Split(o, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				overrides = append(overrides, line)
			}
		}
	}
	return server.LoadArgs{ConfigFile: c.String("config"), Flags: flags, Overrides: overrides, Env: a.env}
}

func (a *app) serverCommand() *cli.Command {
	return &cli.Command{
		Name:  "server",
		Usage: "run a node (with no flags: a single-node cluster on 127.0.0.1:9092, data in ./skiff-data)",
		Flags: append(configFlags(),
			&cli.StringFlag{Name: "log-level", Value: "info", EnvVars: []string{"SKIFF_LOG_LEVEL"}, Usage: "trace, debug, info, warn or error"},
			&cli.StringFlag{Name: "log-format", Value: "console", EnvVars: []string{"SKIFF_LOG_FORMAT"}, Usage: "console or json"},
		),
		Action: func(c *cli.Context) error {
			if _, err := exactArgs(c, 0, ""); err != nil {
				return err
			}
			logger, err := newLogger(a.errOut, c.String("log-level"), c.String("log-format"))
			if err != nil {
				return err
			}
			return runServer(c.Context, logger, a.loadArgs(c), a.start)
		},
	}
}

// runServer loads the configuration, starts the node and runs it until it
// stops or ctx ends (SIGINT/SIGTERM in main), then closes it. A node
// closed on a signal is a clean exit.
func runServer(ctx context.Context, logger zerolog.Logger, args server.LoadArgs, start startFunc) error {
	cfg, warnings, err := server.Load(args)
	for _, w := range warnings {
		ev := logger.Warn().Str("key", w.Key)
		if w.Source != "" {
			ev = ev.Str("source", w.Source)
		}
		ev.Msg(w.Message)
	}
	if err != nil {
		return err
	}
	logStartup(logger, cfg)
	n, err := start(ctx, cfg, logger)
	if err != nil {
		return fmt.Errorf("start node: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- n.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("node stopped: %w", err)
		}
		return nil
	case <-ctx.Done():
		logger.Info().Msg("shutting down")
		closeErr := n.Close()
		<-done
		if closeErr != nil {
			return fmt.Errorf("shut down: %w", closeErr)
		}
		logger.Info().Msg("stopped")
		return nil
	}
}

// logStartup says who this node is and, prominently, where clients will be
// sent: a wrong advertised address is the classic Docker mistake.
func logStartup(logger zerolog.Logger, cfg server.Config) {
	logger.Info().Int32("node_id", cfg.NodeID).Strs("roles", cfg.ProcessRoles).
		Strs("log_dirs", cfg.LogDirs).Str("http", cfg.HTTPListener).Msg("starting skiff")
	var addrs []string
	for _, l := range cfg.AdvertisedListeners {
		addrs = append(addrs, l.String())
	}
	if len(addrs) > 0 {
		logger.Info().Strs("advertised_listeners", addrs).
			Msgf("clients will connect to %s (set --advertised-listeners if they cannot reach it)", strings.Join(addrs, ", "))
	}
}

// newLogger writes zerolog logs to w in the chosen format.
func newLogger(w io.Writer, level, format string) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(strings.ToLower(level))
	if err != nil || lvl == zerolog.NoLevel {
		return zerolog.Logger{}, fmt.Errorf("--log-level %q: want trace, debug, info, warn or error", level)
	}
	switch format {
	case "json":
	case "console":
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.RFC3339, NoColor: !isTerminal(w)}
	default:
		return zerolog.Logger{}, fmt.Errorf("--log-format %q: want console or json", format)
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

func (a *app) storageCommand() *cli.Command {
	return &cli.Command{
		Name:  "storage",
		Usage: "prepare log dirs (a node also formats empty dirs itself on first start)",
		Subcommands: []*cli.Command{
			{
				Name: "random-uuid", Usage: "print a new cluster id",
				Action: func(c *cli.Context) error {
					if _, err := exactArgs(c, 0, ""); err != nil {
						return err
					}
					return storageRandomUUID(a.out)
				},
			},
			{
				Name: "format", Usage: "write meta.properties into the configured log dirs",
				Flags: append(configFlags(),
					&cli.BoolFlag{Name: "ignore-formatted", Aliases: []string{"g"}, Usage: "skip dirs that are already formatted"},
				),
				Action: func(c *cli.Context) error {
					if _, err := exactArgs(c, 0, ""); err != nil {
						return err
					}
					args := a.loadArgs(c)
					cfg, _, err := server.Load(args)
					if err != nil {
						return err
					}
					if cfg.ClusterID == "" {
						return errors.New("--cluster-id is required (generate one with `skiff storage random-uuid`)")
					}
					return storageFormat(a.out, cfg, cfg.ClusterID, c.Bool("ignore-formatted"))
				},
			},
		},
	}
}
