package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"
)

// maxLineBytes bounds one input line of `skiff produce`.
const maxLineBytes = 64 << 20

// produceOpts are the flags of `skiff produce`.
type produceOpts struct {
	Topic string
	// KeySep splits each line into key and value at its first occurrence;
	// empty means lines are values without keys.
	KeySep string
	// Partition sends every record to one partition; -1 lets the client's
	// partitioner choose (by key, or sticky for records without one).
	Partition int32
}

// producedRecord is one line of `produce --format json`.
type producedRecord struct {
	Partition int32 `json:"partition"`
	Offset    int64 `json:"offset"`
}

// produceClientOpts are the client options `skiff produce` needs: the
// acks ("all", "1" or "0"; the idempotent producer needs all) and a manual
// partitioner when one partition is chosen.
func produceClientOpts(acks string, partition int32) ([]kgo.Opt, error) {
	var opts []kgo.Opt
	switch acks {
	case "all", "-1":
		opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
	case "1":
		opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	case "0":
		opts = append(opts, kgo.RequiredAcks(kgo.NoAck()), kgo.DisableIdempotentWrite())
	default:
		return nil, fmt.Errorf("--acks %q: want all, 1 or 0", acks)
	}
	if partition >= 0 {
		opts = append(opts, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	}
	return opts, nil
}

// produce sends each non-empty line of in as a record and reports where
// each landed. It returns after every record is acknowledged or failed.
func produce(ctx context.Context, in io.Reader, w io.Writer, cl *kgo.Client, f outputFormat, o produceOpts) error {
	var (
		mu       sync.Mutex // guards w and firstErr: promises run on client goroutines
		firstErr error
	)
	report := func(r *kgo.Record, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("produce to %s: %w", o.Topic, err)
			}
			return
		}
		if f == formatJSON {
			line, _ := json.Marshal(producedRecord{Partition: r.Partition, Offset: r.Offset})
			fmt.Fprintf(w, "%s\n", line)
			return
		}
		fmt.Fprintf(w, "Produced to partition %d at offset %d\n", r.Partition, r.Offset)
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), maxLineBytes)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		rec := &kgo.Record{Topic: o.Topic, Value: []byte(line)}
		if o.KeySep != "" {
			if k, v, ok := strings.Cut(line, o.KeySep); ok {
				rec.Key, rec.Value = []byte(k), []byte(v)
			}
		}
		if o.Partition >= 0 {
			rec.Partition = o.Partition
		}
		cl.Produce(ctx, rec, report)
	}
	readErr := sc.Err()
	flushErr := cl.Flush(ctx)
	mu.Lock()
	defer mu.Unlock()
	switch {
	case readErr != nil:
		return fmt.Errorf("read input: %w", readErr)
	case firstErr != nil:
		return firstErr
	case flushErr != nil:
		return fmt.Errorf("produce to %s: %w", o.Topic, flushErr)
	}
	return nil
}
