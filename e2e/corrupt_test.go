package e2e

import (
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// On-disk names from log/doc.go. They are part of the storage format an
// operator sees, so the tests spell them out rather than import package
// log: these tests treat the broker as a black box (binary and files).
const (
	// cleanShutdownFile is present in a log dir only after a clean stop.
	cleanShutdownFile = ".skiff_cleanshutdown"
	// firstSegment is the first segment file of a partition directory
	// ("<topic>-<partition>").
	firstSegment = "00000000000000000000.log"
)

// segmentBatch is where one record batch sits in a segment file, read by
// this package's own minimal parser of the v2 batch header (base offset
// int64 at 0, batch length int32 at 8, last offset delta int32 at 23).
type segmentBatch struct {
	pos, size  int64
	baseOffset int64
	lastOffset int64
}

// readSegmentBatches lists the batches of a segment file that holds only
// whole batches.
func readSegmentBatches(t testing.TB, path string) []segmentBatch {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read segment: %v", err)
	}
	var out []segmentBatch
	for pos := int64(0); pos < int64(len(data)); {
		if int64(len(data))-pos < 27 {
			t.Fatalf("%s: %d stray bytes at %d", path, int64(len(data))-pos, pos)
		}
		h := data[pos:]
		b := segmentBatch{pos: pos, size: 12 + int64(int32(binary.BigEndian.Uint32(h[8:12]))),
			baseOffset: int64(binary.BigEndian.Uint64(h[0:8]))}
		b.lastOffset = b.baseOffset + int64(int32(binary.BigEndian.Uint32(h[23:27])))
		if b.size < 61 || pos+b.size > int64(len(data)) {
			t.Fatalf("%s: batch at %d claims %d bytes (file has %d)", path, pos, b.size, len(data))
		}
		out = append(out, b)
		pos += b.size
	}
	return out
}

// segmentDamage damages the last batch of a segment (or what follows it)
// and says where recovery must cut: the offset the partition must end at,
// the byte position of the cut, and words the logged reason must contain.
type segmentDamage struct {
	name   string
	damage func(t *testing.T, path string, last segmentBatch, fileSize int64)
	// want returns the expected end offset and cut position.
	want       func(last segmentBatch, fileSize int64) (end, pos int64)
	reasonHint string // lower-case words the log line must contain
}

var segmentDamages = []segmentDamage{
	{
		name: "torn last batch",
		damage: func(t *testing.T, path string, last segmentBatch, _ int64) {
			truncateFile(t, path, last.pos+last.size/2)
		},
		want:       func(last segmentBatch, _ int64) (int64, int64) { return last.baseOffset, last.pos },
		reasonHint: "end of the file",
	},
	{
		name: "flipped byte in last batch",
		damage: func(t *testing.T, path string, last segmentBatch, _ int64) {
			// A byte of the last record: covered by the CRC, not by any
			// length field, so only the checksum can catch it.
			flipByte(t, path, last.pos+last.size-3)
		},
		want:       func(last segmentBatch, _ int64) (int64, int64) { return last.baseOffset, last.pos },
		reasonHint: "crc",
	},
	{
		name: "garbage after last batch",
		damage: func(t *testing.T, path string, _ segmentBatch, _ int64) {
			garbage := make([]byte, 300)
			rng := rand.New(rand.NewPCG(1, 2))
			for i := range garbage {
				garbage[i] = byte(rng.Uint32())
			}
			appendFile(t, path, garbage)
		},
		want: func(last segmentBatch, fileSize int64) (int64, int64) { return last.lastOffset + 1, fileSize },
	},
}

// TestDamagedSegmentAtStart damages the active segment of a cleanly
// stopped broker three ways, removes the clean-shutdown marker so recovery
// runs, and restarts: the broker must start, cut the partition at the last
// valid batch, log segment, position and reason, serve exactly the valid
// prefix, and take new records at the right offset.
func TestDamagedSegmentAtStart(t *testing.T) {
	t.Parallel()
	for _, d := range segmentDamages {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			b := startBroker(t, brokerOpts{})
			topic := topicName(t)
			createTopic(t, b.admin(t), topic, 1, nil)
			cl := b.producer(t)
			var produced []string
			for batch := range 8 {
				vals := seq("v", 5*batch, 5)
				produceSync(t, cl, topic, 0, vals...)
				produced = append(produced, vals...)
			}
			cl.Close()
			if code, _ := b.stop(syscall.SIGTERM); code != 0 {
				t.Fatalf("clean stop: exit code %d", code)
			}

			seg := filepath.Join(b.logDir(), topic+"-0", firstSegment)
			batches := readSegmentBatches(t, seg)
			if len(batches) < 2 {
				t.Fatalf("want several batches in %s, found %d", seg, len(batches))
			}
			last := batches[len(batches)-1]
			size := last.pos + last.size
			d.damage(t, seg, last, size)
			wantEnd, wantPos := d.want(last, size)
			if err := os.Remove(filepath.Join(b.logDir(), cleanShutdownFile)); err != nil {
				t.Fatalf("remove clean-shutdown marker: %v", err)
			}

			b.start()
			skipIfStaleLogBug(t, b, topic)
			checkTruncationLogged(t, b, seg, wantPos, d.reasonHint)
			if end := endOffsets(t, b.admin(t), topic)[0]; end != wantEnd {
				t.Fatalf("partition ends at %d after recovery; want %d (the last valid batch)", end, wantEnd)
			}
			got := values(consumeAll(t, b, topic)[0])
			if !slices.Equal(got, produced[:wantEnd]) {
				t.Fatalf("after recovery the partition holds %q; want the valid prefix %q", got, produced[:wantEnd])
			}
			rs := produceSync(t, b.producer(t), topic, 0, "after")
			if rs[0].Offset != wantEnd {
				t.Fatalf("a new record went to offset %d; want %d", rs[0].Offset, wantEnd)
			}
		})
	}
}

// checkTruncationLogged finds recovery's log line for the segment and
// checks that it names the position and a reason.
func checkTruncationLogged(t *testing.T, b *broker, seg string, pos int64, reasonHint string) {
	t.Helper()
	for _, e := range b.entriesWith(-1, "recovery truncated the log at the first torn or invalid batch") {
		if e.str("segment") != seg {
			continue
		}
		if e.str("position") != strconv.FormatInt(pos, 10) {
			t.Errorf("recovery cut %s at position %s; want %d (%v)", seg, e.str("position"), pos, e)
		}
		if e.str("reason") == "" || !strings.Contains(strings.ToLower(e.String()), reasonHint) {
			t.Errorf("recovery's log line gives no reason mentioning %q: %v", reasonHint, e)
		}
		return
	}
	t.Errorf("no log line says recovery truncated %s", seg)
}

func truncateFile(t *testing.T, path string, size int64) {
	t.Helper()
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
}

func flipByte(t *testing.T, path string, pos int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, pos); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0xff
	if _, err := f.WriteAt(b, pos); err != nil {
		t.Fatal(err)
	}
}

func appendFile(t *testing.T, path string, data []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
}
