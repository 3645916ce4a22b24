package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// consumeOpts are the flags of `skiff consume`.
type consumeOpts struct {
	Topic string
	// Offset is where to start: "start", "end", an offset N, or -N for N
	// records before the end.
	Offset string
	// Partitions limits consumption to these partitions; empty means all.
	Partitions []int32
	// Num stops after this many records; 0 consumes until interrupted.
	Num int
	// Format is "text" (the value), "json", or a template of %t %p %o %k
	// %v %T %h and \n \t escapes.
	Format string
}

// parseStartOffset turns -o into a kgo offset.
func parseStartOffset(s string) (kgo.Offset, error) {
	switch s {
	case "", "start", "beginning", "oldest":
		return kgo.NewOffset().AtStart(), nil
	case "end", "newest":
		return kgo.NewOffset().AtEnd(), nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return kgo.Offset{}, fmt.Errorf("-o %q: want start, end, an offset, or -N for N records before the end", s)
	}
	if n < 0 {
		return kgo.NewOffset().AtEnd().Relative(n), nil
	}
	return kgo.NewOffset().At(n), nil
}

// consumeClientOpts are the client options that point a client at the
// topic (or some of its partitions) from the start offset. No consumer
// group is used, so nothing is committed.
func consumeClientOpts(o consumeOpts) ([]kgo.Opt, error) {
	offset, err := parseStartOffset(o.Offset)
	if err != nil {
		return nil, err
	}
	if len(o.Partitions) == 0 {
		return []kgo.Opt{kgo.ConsumeTopics(o.Topic), kgo.ConsumeResetOffset(offset)}, nil
	}
	parts := map[int32]kgo.Offset{}
	for _, p := range o.Partitions {
		parts[p] = offset
	}
	return []kgo.Opt{kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{o.Topic: parts})}, nil
}

// consume prints records until Num are printed or ctx ends (an interrupt
// is a normal end). Errors the client retries by itself are skipped.
func consume(ctx context.Context, w io.Writer, cl *kgo.Client, o consumeOpts) error {
	print, err := newRecordPrinter(o.Format)
	if err != nil {
		return err
	}
	printed := 0
	for o.Num == 0 || printed < o.Num {
		max := 10000
		if o.Num > 0 {
			max = o.Num - printed
		}
		fetches := cl.PollRecords(ctx, max)
		if fetches.IsClientClosed() || ctx.Err() != nil {
			return nil
		}
		if err := fetchError(fetches); err != nil {
			return fmt.Errorf("consume %s: %w", o.Topic, err)
		}
		for _, r := range fetches.Records() {
			if err := print(w, r); err != nil {
				return err
			}
			printed++
		}
	}
	return nil
}

// fetchError returns the first error of fetches that the client will not
// retry by itself.
func fetchError(fetches kgo.Fetches) error {
	var first error
	fetches.EachError(func(_ string, _ int32, err error) {
		if first != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || kerr.IsRetriable(err) {
			return
		}
		first = err
	})
	return first
}

// recordPrinter writes one record.
type recordPrinter func(w io.Writer, r *kgo.Record) error

// consumedRecord is one line of `consume --format json`.
type consumedRecord struct {
	Topic     string            `json:"topic"`
	Partition int32             `json:"partition"`
	Offset    int64             `json:"offset"`
	Timestamp int64             `json:"timestamp"`
	Key       *string           `json:"key"`
	Value     string            `json:"value"`
	Headers   map[string]string `json:"headers,omitempty"`
}

func newRecordPrinter(format string) (recordPrinter, error) {
	switch format {
	case "", "text":
		format = `%v\n`
	case "json":
		return printJSON, nil
	}
	segments, err := parseTemplate(format)
	if err != nil {
		return nil, err
	}
	return func(w io.Writer, r *kgo.Record) error {
		var b strings.Builder
		for _, s := range segments {
			s(&b, r)
		}
		_, err := io.WriteString(w, b.String())
		return err
	}, nil
}

func printJSON(w io.Writer, r *kgo.Record) error {
	out := consumedRecord{
		Topic: r.Topic, Partition: r.Partition, Offset: r.Offset,
		Timestamp: r.Timestamp.UnixMilli(), Value: string(r.Value),
	}
	if r.Key != nil {
		k := string(r.Key)
		out.Key = &k
	}
	for _, h := range r.Headers {
		if out.Headers == nil {
			out.Headers = map[string]string{}
		}
		out.Headers[h.Key] = string(h.Value)
	}
	line, err := json.Marshal(out)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", line)
	return err
}

// segment writes one part of a template for a record.
type segment func(b *strings.Builder, r *kgo.Record)

// parseTemplate parses a kcat-like template: %t topic, %p partition, %o
// offset, %k key, %v value, %T timestamp in ms, %h headers (k=v,...), %%
// a percent sign; \n, \t and \\ are escapes.
func parseTemplate(format string) ([]segment, error) {
	var segments []segment
	literal := func(s string) segment { return func(b *strings.Builder, _ *kgo.Record) { b.WriteString(s) } }
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' && c != '\\' || i+1 == len(format) {
			segments = append(segments, literal(string(c)))
			continue
		}
		i++
		if c == '\\' {
			esc := map[byte]string{'n': "\n", 't': "\t", '\\': "\\"}[format[i]]
			if esc == "" {
				esc = `\` + string(format[i])
			}
			segments = append(segments, literal(esc))
			continue
		}
		s, ok := templateFields[format[i]]
		if !ok {
			return nil, fmt.Errorf("--format %q: unknown field %%%c (want %%t %%p %%o %%k %%v %%T %%h or %%%%)", format, format[i])
		}
		segments = append(segments, s)
	}
	return segments, nil
}

var templateFields = map[byte]segment{
	't': func(b *strings.Builder, r *kgo.Record) { b.WriteString(r.Topic) },
	'p': func(b *strings.Builder, r *kgo.Record) { b.WriteString(strconv.Itoa(int(r.Partition))) },
	'o': func(b *strings.Builder, r *kgo.Record) { b.WriteString(strconv.FormatInt(r.Offset, 10)) },
	'k': func(b *strings.Builder, r *kgo.Record) { b.Write(r.Key) },
	'v': func(b *strings.Builder, r *kgo.Record) { b.Write(r.Value) },
	'T': func(b *strings.Builder, r *kgo.Record) { b.WriteString(strconv.FormatInt(r.Timestamp.UnixMilli(), 10)) },
	'h': func(b *strings.Builder, r *kgo.Record) {
		for i, h := range r.Headers {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(h.Key + "=" + string(h.Value))
		}
	},
	'%': func(b *strings.Builder, _ *kgo.Record) { b.WriteByte('%') },
}
