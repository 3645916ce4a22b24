package bench

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// BenchmarkIdlePartitions creates one topic with 10,000 partitions on a
// fresh broker, lets it settle, and reports the broker's resident memory,
// its mappings and open descriptors, then restarts it and reports how long
// the restart took to be ready and the same figures after it (lazy
// storage: idle partitions must hold no mappings or descriptors). Run:
//
//	go test ./e2e/bench -run '^$' -bench IdlePartitions -benchtime 1x
func BenchmarkIdlePartitions(b *testing.B) {
	for _, parts := range []int{10000, 30000} {
		b.Run(fmt.Sprint(parts), func(b *testing.B) {
			for range b.N {
				benchIdle(b, parts)
			}
		})
	}
}

func benchIdle(b *testing.B, parts int) {
	br := startBroker(b, "")
	adm := br.admin(b)
	// Kafka caps one request at 10,000 new partitions: add them in steps.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for created := 0; created < parts; created += 10000 {
		n := min(10000, parts-created)
		if _, err := adm.CreateTopic(ctx, int32(n), 1, nil, fmt.Sprintf("idle-%d", created)); err != nil {
			b.Fatalf("create topic: %v", err)
		}
	}
	settle(br)
	b.ReportMetric(float64(br.rssKiB())/1024, "rss_MiB")
	b.ReportMetric(float64(br.count("maps")), "mmaps")
	b.ReportMetric(float64(br.count("fd")), "fds")

	t0 := time.Now()
	br.restart(b)
	b.ReportMetric(time.Since(t0).Seconds(), "restart_s")
	settle(br)
	b.ReportMetric(float64(br.rssKiB())/1024, "rss_after_restart_MiB")
	b.ReportMetric(float64(br.count("maps")), "mmaps_after_restart")
	md, err := br.admin(b).Metadata(ctx)
	if err != nil {
		b.Fatal(err)
	}
	led := 0
	for _, t := range md.Topics {
		for _, p := range t.Partitions {
			if p.Leader >= 0 && p.Err == nil {
				led++
			}
		}
	}
	if led != parts {
		b.Fatalf("after restart %d of %d partitions are led", led, parts)
	}
}

// settle waits for the broker's background work after a burst (and a GC
// cycle), so RSS is the steady state, not the peak.
func settle(br *broker) {
	time.Sleep(3 * time.Second)
}

// BenchmarkTopicCreates times n sequential CreateTopics (1 partition each)
// and reports the mean latency of the first and last 10% and their ratio:
// 1.0 means a create costs the same whatever the number of topics. Run:
//
//	go test ./e2e/bench -run '^$' -bench TopicCreates -benchtime 1x
func BenchmarkTopicCreates(b *testing.B) {
	const n = 2000
	for range b.N {
		br := startBroker(b, "")
		adm := br.admin(b)
		ctx := context.Background()
		lat := make([]time.Duration, 0, n)
		for i := range n {
			t0 := time.Now()
			if _, err := adm.CreateTopic(ctx, 1, 1, nil, fmt.Sprintf("t-%05d", i)); err != nil {
				b.Fatalf("create %d: %v", i, err)
			}
			lat = append(lat, time.Since(t0))
		}
		first, last := mean(lat[:n/10]), mean(lat[n-n/10:])
		b.ReportMetric(float64(first.Microseconds())/1000, "first10pct_ms")
		b.ReportMetric(float64(last.Microseconds())/1000, "last10pct_ms")
		b.ReportMetric(float64(last)/float64(first), "growth")
	}
}

func mean(d []time.Duration) time.Duration {
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	return sum / time.Duration(len(d))
}

// admin returns a kadm client for the broker, closed with the benchmark.
func (br *broker) admin(b *testing.B) *kadm.Client {
	cl, err := kgo.NewClient(kgo.SeedBrokers(br.addr))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(cl.Close)
	adm := kadm.NewClient(cl)
	adm.SetTimeoutMillis(120000)
	return adm
}

// rssKiB reads VmRSS of the broker process.
func (br *broker) rssKiB() int {
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", br.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(st), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kib int
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kib)
			return kib
		}
	}
	return -1
}

// count returns the number of mappings ("maps") or open descriptors
// ("fd") of the broker process.
func (br *broker) count(what string) int {
	path := fmt.Sprintf("/proc/%d/%s", br.cmd.Process.Pid, what)
	if what == "maps" {
		b, err := os.ReadFile(path)
		if err != nil {
			return -1
		}
		return strings.Count(string(b), "\n")
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		return -1
	}
	return len(ents)
}
