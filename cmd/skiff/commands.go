package main

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/urfave/cli/v2"
)

func (a *app) topicCommand() *cli.Command {
	return &cli.Command{
		Name:  "topic",
		Usage: "create, list, describe, delete and change topics",
		Subcommands: []*cli.Command{
			{
				Name: "create", Usage: "create topics", ArgsUsage: "NAME...",
				Flags: append(clientFlags(),
					&cli.IntFlag{Name: "partitions", Aliases: []string{"p"}, Value: -1, Usage: "partitions (-1: the broker's num.partitions)"},
					&cli.IntFlag{Name: "replicas", Aliases: []string{"r", "replication-factor"}, Value: -1, Usage: "replication factor (-1: the broker's default.replication.factor)"},
					&cli.StringSliceFlag{Name: "topic-config", Aliases: []string{"c"}, Usage: "topic config key=value (repeatable), e.g. -c cleanup.policy=compact"},
				),
				Action: adminCommand(-1, "NAME...", func(ctx context.Context, c *cli.Context, adm *kadm.Client, f outputFormat, names []string) error {
					kv, err := parseKeyValues("-c", c.StringSlice("topic-config"))
					if err != nil {
						return err
					}
					configs := map[string]*string{}
					for k, v := range kv {
						configs[k] = &v
					}
					return topicCreate(ctx, a.out, adm, f, names, int32(c.Int("partitions")), int16(c.Int("replicas")), configs)
				}),
			},
			{
				Name: "list", Aliases: []string{"ls"}, Usage: "list topics",
				Flags: append(clientFlags(), &cli.BoolFlag{Name: "internal", Aliases: []string{"i"}, Usage: "include internal topics"}),
				Action: adminCommand(0, "", func(ctx context.Context, c *cli.Context, adm *kadm.Client, f outputFormat, _ []string) error {
					return topicList(ctx, a.out, adm, f, c.Bool("internal"))
				}),
			},
			{
				Name: "describe", Usage: "show a topic's partitions, leaders, replicas, ISR and configs", ArgsUsage: "NAME",
				Flags: clientFlags(),
				Action: adminCommand(1, "NAME", func(ctx context.Context, c *cli.Context, adm *kadm.Client, f outputFormat, args []string) error {
					return topicDescribe(ctx, a.out, adm, f, args[0])
				}),
			},
			{
				Name: "delete", Usage: "delete topics", ArgsUsage: "NAME...",
				Flags: clientFlags(),
				Action: adminCommand(-1, "NAME...", func(ctx context.Context, c *cli.Context, adm *kadm.Client, f outputFormat, names []string) error {
					return topicDelete(ctx, a.out, adm, f, names)
				}),
			},
			{
				Name: "add-partitions", Usage: "grow a topic to a total number of partitions", ArgsUsage: "NAME --to N",
				Flags: append(clientFlags(), &cli.IntFlag{Name: "to", Usage: "total partitions after the change"}),
				Action: adminCommand(1, "NAME --to N", func(ctx context.Context, c *cli.Context, adm *kadm.Client, f outputFormat, args []string) error {
					if !c.IsSet("to") {
						return errors.New("usage: skiff topic add-partitions NAME --to N")
					}
					return topicAddPartitions(ctx, a.out, adm, f, args[0], c.Int("to"))
				}),
			},
			{
				Name: "alter-config", Usage: "set or delete topic config overrides", ArgsUsage: "NAME [--set k=v]... [--delete k]...",
				Flags: append(clientFlags(),
					&cli.StringSliceFlag{Name: "set", Usage: "set key=value (repeatable)"},
					&cli.StringSliceFlag{Name: "delete", Usage: "remove the override of key, back to the default (repeatable)"},
				),
				Action: adminCommand(1, "NAME [--set k=v]... [--delete k]...", func(ctx context.Context, c *cli.Context, adm *kadm.Client, f outputFormat, args []string) error {
					set, err := parseKeyValues("--set", c.StringSlice("set"))
					if err != nil {
						return err
					}
					return topicAlterConfig(ctx, a.out, adm, f, args[0], set, c.StringSlice("delete"))
				}),
			},
		},
	}
}

func (a *app) clusterCommand() *cli.Command {
	return &cli.Command{
		Name:  "cluster",
		Usage: "inspect the cluster",
		Subcommands: []*cli.Command{{
			Name: "info", Usage: "show the cluster id, the active controller and the brokers",
			Flags: clientFlags(),
			Action: adminCommand(0, "", func(ctx context.Context, c *cli.Context, adm *kadm.Client, f outputFormat, _ []string) error {
				return clusterInfo(ctx, a.out, adm, f)
			}),
		}},
	}
}

func (a *app) produceCommand() *cli.Command {
	return &cli.Command{
		Name: "produce", Usage: "produce each line of stdin as a record", ArgsUsage: "TOPIC",
		Flags: append(clientFlags(),
			&cli.StringFlag{Name: "key-sep", Aliases: []string{"K"}, Usage: "split each line into key and value at the first SEP"},
			&cli.StringFlag{Name: "acks", Value: "all", Usage: "all, 1 or 0"},
			&cli.IntFlag{Name: "partition", Aliases: []string{"p"}, Value: -1, Usage: "send every record to this partition (-1: by key)"},
		),
		Action: func(c *cli.Context) error {
			args, err := exactArgs(c, 1, "TOPIC")
			if err != nil {
				return err
			}
			f, err := parseFormat(c.String("format"))
			if err != nil {
				return err
			}
			opts, err := produceClientOpts(c.String("acks"), int32(c.Int("partition")))
			if err != nil {
				return err
			}
			cl, err := newClient(c, opts...)
			if err != nil {
				return err
			}
			defer cl.Close()
			err = produce(c.Context, a.in, a.out, cl, f, produceOpts{Topic: args[0], KeySep: c.String("key-sep"), Partition: int32(c.Int("partition"))})
			return clientErr(c, err)
		},
	}
}

func (a *app) consumeCommand() *cli.Command {
	return &cli.Command{
		Name: "consume", Usage: "print records of a topic (no consumer group; Ctrl-C stops)", ArgsUsage: "TOPIC",
		Flags: append(clientFlags()[:1],
			&cli.StringFlag{Name: "offset", Aliases: []string{"o"}, Value: "start", Usage: "start, end, an offset, or -N for the last N"},
			&cli.IntFlag{Name: "num", Aliases: []string{"n"}, Usage: "stop after N records (0: never)"},
			&cli.IntSliceFlag{Name: "partition", Aliases: []string{"p"}, Usage: "consume only this partition (repeatable)"},
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "text",
				Usage: "text (values), json, or a template: %t topic %p partition %o offset %k key %v value %T timestamp %h headers, \\n"},
		),
		Action: func(c *cli.Context) error {
			args, err := exactArgs(c, 1, "TOPIC")
			if err != nil {
				return err
			}
			o := consumeOpts{Topic: args[0], Offset: c.String("offset"), Num: c.Int("num"), Format: c.String("format")}
			for _, p := range c.IntSlice("partition") {
				o.Partitions = append(o.Partitions, int32(p))
			}
			if _, err := newRecordPrinter(o.Format); err != nil {
				return err
			}
			opts, err := consumeClientOpts(o)
			if err != nil {
				return err
			}
			cl, err := newClient(c, opts...)
			if err != nil {
				return err
			}
			defer cl.Close()
			return clientErr(c, consume(c.Context, a.out, cl, o))
		},
	}
}

func (a *app) healthcheckCommand() *cli.Command {
	return &cli.Command{
		Name:  "healthcheck",
		Usage: "exit 0 if the local node is ready (GET /readyz answers 200), else 1; the Docker health probe",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "http", Value: "127.0.0.1:9644", EnvVars: []string{"SKIFF_HTTP_LISTENER"}, Usage: "the node's HTTP listener"},
			&cli.StringFlag{Name: "path", Value: "/readyz", Usage: "endpoint to check (/healthz: the process is up)"},
			&cli.DurationFlag{Name: "timeout", Value: 3 * time.Second, Usage: "give up after this long"},
		},
		Action: func(c *cli.Context) error {
			if _, err := exactArgs(c, 0, ""); err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
			defer cancel()
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			return healthcheck(ctx, a.out, client, c.String("http"), c.String("path"))
		},
	}
}

// clientErr marks err as coming from a command that talked to -b brokers.
func clientErr(c *cli.Context, err error) error {
	if err == nil {
		return nil
	}
	return &cliError{err: err, brokers: brokersOf(c)}
}
