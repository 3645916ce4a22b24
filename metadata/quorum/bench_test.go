package quorum

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/skiffhq/skiff/metadata/record"
)

// BenchmarkPropose measures committing one topic-create entry (a Topic and
// 3 Partition records) on a single-node quorum: each op is a bbolt write
// with fsync, so "serial" is commit latency and "parallel" shows how
// concurrent proposals share batches.
func BenchmarkPropose(b *testing.B) {
	for _, mode := range []string{"serial", "parallel"} {
		b.Run(mode, func(b *testing.B) {
			q := benchNode(b)
			defer q.Close()
			var n atomic.Int64
			propose := func() {
				i := int(n.Add(1))
				if _, err := q.Propose(context.Background(), createTopic(fmt.Sprintf("bench-%d", i), topicID(i), 3)); err != nil {
					b.Error(err)
				}
			}
			b.ResetTimer()
			if mode == "serial" {
				for i := 0; i < b.N; i++ {
					propose()
				}
				return
			}
			b.SetParallelism(32)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					propose()
				}
			})
		})
	}
}

func benchNode(b *testing.B) *Quorum {
	ln, err := listenTB(b)
	if err != nil {
		b.Fatal(err)
	}
	cfg := testConfig(b.TempDir(), 1, []Voter{{ID: 1, Addr: ln.Addr().String()}})
	q, err := Open(cfg, ln, testLoggerTB(b))
	if err != nil {
		b.Fatal(err)
	}
	if err := q.WaitReady(context.Background()); err != nil {
		b.Fatal(err)
	}
	if _, err := q.Propose(context.Background(), []record.Record{&record.NoOp{}}); err != nil {
		b.Fatal(err)
	}
	return q
}
