package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

// cleanExitBound is how long a broker with a little data may take to exit
// after SIGTERM or SIGINT (its controlled-shutdown handshake is bounded by
// 5 s; flushing a few kilobytes takes milliseconds).
const cleanExitBound = 10 * time.Second

// TestCleanShutdown stops the broker with SIGTERM and with SIGINT: it must
// exit 0 in time and leave the clean-shutdown marker, and the next start
// must trust it (no recovery scan), remove it, and serve every record.
func TestCleanShutdown(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			b := startBroker(t, brokerOpts{})
			topic := topicName(t)
			createTopic(t, b.admin(t), topic, 3, nil)
			cl := b.producer(t)
			want := map[int32][]string{}
			for p := int32(0); p < 3; p++ {
				for batch := range 4 {
					vals := seq("v", 10*batch, 10)
					produceSync(t, cl, topic, p, vals...)
					want[p] = append(want[p], vals...)
				}
			}
			cl.Close()

			code, took := b.stop(sig)
			if code != 0 || took > cleanExitBound {
				t.Fatalf("%v: exit code %d after %v; want 0 within %v", sig, code, took, cleanExitBound)
			}
			if len(b.entriesWith(-1, "stopped cleanly")) == 0 {
				t.Errorf("%v: no \"stopped cleanly\" line in the log", sig)
			}
			marker := filepath.Join(b.logDir(), cleanShutdownFile)
			if _, err := os.Stat(marker); err != nil {
				t.Fatalf("%v: clean-shutdown marker: %v", sig, err)
			}

			b.start()
			if opened := b.logDirOpened(-1, b.logDir()); opened.str("clean_shutdown") != "true" {
				t.Errorf("restart after %v logged %v; want clean_shutdown=true", sig, opened)
			}
			for _, msg := range []string{"recovery truncated the log at the first torn or invalid batch",
				"damaged tail after a clean shutdown; recovering the last segment"} {
				if es := b.entriesWith(-1, msg); len(es) > 0 {
					t.Errorf("restart after a clean stop recovered anyway: %v", es[0])
				}
			}
			if _, err := os.Stat(marker); !os.IsNotExist(err) {
				t.Errorf("clean-shutdown marker still there after the restart (%v): a crash now would skip recovery", err)
			}
			skipIfStaleLogBug(t, b, topic)
			got := consumeAll(t, b, topic)
			for p := int32(0); p < 3; p++ {
				if !slices.Equal(values(got[p]), want[p]) {
					t.Errorf("partition %d after the restart: %q; want %q", p, values(got[p]), want[p])
				}
			}
		})
	}
}

// TestCleanShutdownUnderLoad sends SIGTERM while an idempotent producer
// streams to six partitions: the broker must still exit 0 in time and mark
// its dir clean, and after the restart (no recovery) every acknowledged
// record must be there exactly once, in order, with no offset gap; what
// was in flight is retried against the restarted broker.
func TestCleanShutdownUnderLoad(t *testing.T) {
	t.Parallel()
	b := startBroker(t, brokerOpts{})
	topic := topicName(t)
	createTopic(t, b.admin(t), topic, crashPartitions, nil)
	h := &crashHistory{acked: map[int32][]ackedRecord{}, errors: map[string]int{}}
	prod := b.producer(t)
	stop, done := startProducing(t, prod, topic, 0, h)
	waitForAcks(t, h, 1)
	<-time.After(300 * time.Millisecond)

	code, took := b.stop(syscall.SIGTERM)
	stop()
	if code != 0 || took > cleanExitBound {
		t.Fatalf("SIGTERM under load: exit code %d after %v; want 0 within %v", code, took, cleanExitBound)
	}
	if _, err := os.Stat(filepath.Join(b.logDir(), cleanShutdownFile)); err != nil {
		t.Fatalf("clean-shutdown marker after SIGTERM under load: %v", err)
	}
	b.start()
	if opened := b.logDirOpened(-1, b.logDir()); opened.str("clean_shutdown") != "true" {
		t.Errorf("restart after SIGTERM under load logged %v; want clean_shutdown=true", opened)
	}
	skipIfStaleLogBug(t, b, topic)
	var produced int64
	select {
	case produced = <-done:
	case <-time.After(clientTimeout):
		t.Fatalf("the producer did not stop within %v of the restart", clientTimeout)
	}
	if err := prod.Flush(ctxFor(t, clientTimeout)); err != nil {
		t.Fatalf("records still in flight %v after the restart: %v", clientTimeout, err)
	}
	acked, failed := h.counts()
	t.Logf("%d produced, %d acknowledged, %d failed %v", produced, acked, failed, h.errorCounts())
	verifyCrashHistory(t, b, topic, h, produced)
}
