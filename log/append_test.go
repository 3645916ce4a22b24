package log

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/skiffhq/skiff/log/batch"
)

func TestLeaderAppendValidation(t *testing.T) {
	clock := newClock()
	now := clock.now.UnixMilli()
	withKey := func(tb testBatch) testBatch { tb.key = []byte("k"); return tb }
	tests := []struct {
		name       string
		cfg        func(*Config)
		records    func() []byte
		wantErr    error
		wantReason batch.Reason // for *batch.FormatError
		recordErrs int
	}{
		{"valid", nil, func() []byte { return buildBatch(plainBatch(3, now)) }, nil, "", 0},
		{"two batches in one append", nil, func() []byte {
			return append(buildBatch(plainBatch(3, now)), buildBatch(plainBatch(2, now))...)
		}, nil, "", 0},
		{"empty", nil, func() []byte { return nil }, nil, batch.ReasonLength, 0},
		{"trailing partial batch", nil, func() []byte { return append(buildBatch(plainBatch(1, now)), 0, 0, 0) }, nil, batch.ReasonShortHeader, 0},
		{"bad crc", nil, func() []byte { b := buildBatch(plainBatch(1, now)); b[len(b)-1] ^= 1; return b }, nil, batch.ReasonCRC, 0},
		{"base offset not zero", nil, func() []byte { b := buildBatch(plainBatch(1, now)); batch.SetBaseOffset(b, 5); return b }, nil, batch.ReasonOffsets, 0},
		{"control batch from a client", nil, func() []byte {
			b := buildBatch(plainBatch(1, now))
			binary.BigEndian.PutUint16(b[21:], 0x20)
			binary.BigEndian.PutUint32(b[17:], batch.Checksum(b))
			return b
		}, nil, batch.ReasonControl, 0},
		{"batch over max.message.bytes", func(c *Config) { c.MaxMessageBytes = 100 }, func() []byte { return buildBatch(plainBatch(3, now)) }, ErrRecordTooLarge, "", 0},
		{"append over segment.bytes", func(c *Config) { c.SegmentBytes = 200 }, func() []byte { return buildBatch(plainBatch(3, now)) }, ErrRecordListTooLarge, "", 0},
		{"timestamp too old", func(c *Config) { c.TimestampBeforeMaxMs = 1000 }, func() []byte { return buildBatch(plainBatch(3, now-5000)) }, ErrInvalidTimestamp, "", 3},
		{"timestamp too far ahead", func(c *Config) { c.TimestampAfterMaxMs = 1000 }, func() []byte { return buildBatch(plainBatch(2, now+5000)) }, ErrInvalidTimestamp, "", 2},
		{"compacted topic needs keys", func(c *Config) { c.Compact = true }, func() []byte { return buildBatch(plainBatch(2, now)) }, ErrInvalidRecord, "", 2},
		{"compacted topic with keys", func(c *Config) { c.Compact = true }, func() []byte { return buildBatch(withKey(plainBatch(2, now))) }, nil, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			opts := testOptions(t, t.TempDir(), cfg)
			opts.Now = clock.Now
			l := openTestLog(t, opts)
			defer l.Close()
			res, err := l.AppendAsLeader(tt.records(), 1)
			var fe *batch.FormatError
			switch {
			case tt.wantReason != "":
				if !errors.As(err, &fe) || fe.Reason != tt.wantReason {
					t.Fatalf("err %v, want format error %q", err, tt.wantReason)
				}
			case !errors.Is(err, tt.wantErr):
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if len(res.RecordErrors) != tt.recordErrs {
				t.Fatalf("record errors %v, want %d", res.RecordErrors, tt.recordErrs)
			}
			if err != nil && (l.EndOffset() != 0 || l.NumSegments() != 0) {
				t.Fatalf("rejected append left end %d and %d segments", l.EndOffset(), l.NumSegments())
			}
		})
	}
}

func TestLogAppendTime(t *testing.T) {
	clock := newClock()
	cfg := DefaultConfig()
	cfg.LogAppendTime = true
	opts := testOptions(t, t.TempDir(), cfg)
	opts.Now = clock.Now
	l := openTestLog(t, opts)
	defer l.Close()
	res := mustAppend(t, l, buildBatch(plainBatch(3, 42)), 1)
	if res.LogAppendTime != clock.now.UnixMilli() {
		t.Fatalf("log append time %d", res.LogAppendTime)
	}
	read, _ := l.Read(0, 1000, 10, true)
	hs := headers(t, read.Records)
	if !hs[0].LogAppendTime() || hs[0].MaxTimestamp != clock.now.UnixMilli() {
		t.Fatalf("stored header %+v", hs[0])
	}
	if ts, ok, err := l.OffsetForTimestamp(clock.now.UnixMilli()); err != nil || !ok || ts.Offset != 0 || ts.Timestamp != clock.now.UnixMilli() {
		t.Fatalf("offset for timestamp %+v %v %v", ts, ok, err)
	}
}

func TestOffsetForTimestampAndMaxTimestamp(t *testing.T) {
	l := openTestLog(t, testOptions(t, t.TempDir(), smallConfig()))
	defer l.Close()
	// Batch i holds records with timestamps 1000+10i, 1000+10i+1, 1000+10i+2,
	// except batch 7 which goes back in time and batch 12 which has the
	// largest timestamp twice.
	for i := range 20 {
		tb := plainBatch(3, 1000+10*int64(i))
		switch i {
		case 7:
			tb.firstTs = 500
		case 12:
			tb.firstTs, tb.tsStep = 5000, 0
		case 13:
			tb.firstTs, tb.tsStep = 5000, 0
		}
		mustAppend(t, l, buildBatch(tb), int32(i/5))
	}
	tests := []struct {
		ts      int64
		wantOff int64
		wantTs  int64
		wantOK  bool
	}{
		{0, 0, 1000, true},
		{1000, 0, 1000, true},
		{1001, 1, 1001, true},
		{1003, 3, 1010, true},
		{1062, 20, 1062, true}, // batch 6 (offsets 18-20)
		{1063, 24, 1080, true}, // batch 7 is older; batch 8 starts at 1080
		{4000, 36, 5000, true},
		{5001, 0, 0, false},
	}
	for _, tt := range tests {
		got, ok, err := l.OffsetForTimestamp(tt.ts)
		if err != nil || ok != tt.wantOK || (ok && (got.Offset != tt.wantOff || got.Timestamp != tt.wantTs)) {
			t.Errorf("ts %d: got %+v %v %v, want offset %d ts %d", tt.ts, got, ok, err, tt.wantOff, tt.wantTs)
		}
	}
	got, ok, err := l.MaxTimestamp()
	if err != nil || !ok || got.Timestamp != 5000 || got.Offset != 36 || got.LeaderEpoch != 2 {
		t.Fatalf("max timestamp %+v %v %v", got, ok, err)
	}
	empty := openTestLog(t, testOptions(t, t.TempDir(), smallConfig()))
	defer empty.Close()
	if _, ok, err := empty.MaxTimestamp(); ok || err != nil {
		t.Fatalf("empty log max timestamp %v %v", ok, err)
	}
}

func TestSegmentMsRoll(t *testing.T) {
	clock := newClock()
	cfg := DefaultConfig()
	cfg.SegmentMs = 60_000
	opts := testOptions(t, t.TempDir(), cfg)
	opts.Now = clock.Now
	l := openTestLog(t, opts)
	defer l.Close()
	mustAppend(t, l, buildBatch(plainBatch(1, clock.now.UnixMilli())), 1)
	clock.Advance(30 * time.Second)
	mustAppend(t, l, buildBatch(plainBatch(1, clock.now.UnixMilli())), 1)
	if l.NumSegments() != 1 {
		t.Fatalf("rolled early")
	}
	clock.Advance(31 * time.Second)
	mustAppend(t, l, buildBatch(plainBatch(1, clock.now.UnixMilli())), 1)
	if got := l.SegmentBaseOffsets(); len(got) != 2 || got[1] != 2 {
		t.Fatalf("segments %v after segment.ms", got)
	}
}

// TestTinyIndexesRoll uses an index that holds one entry, so the log rolls
// whenever an index fills.
func TestTinyIndexesRoll(t *testing.T) {
	cfg := DefaultConfig()
	cfg.SegmentIndexBytes = 4
	cfg.IndexIntervalBytes = 0
	l := openTestLog(t, testOptions(t, t.TempDir(), cfg))
	defer l.Close()
	for i := range 10 {
		mustAppend(t, l, buildBatch(plainBatch(1, int64(i))), 0)
	}
	if l.NumSegments() < 3 {
		t.Fatalf("segments %v", l.SegmentBaseOffsets())
	}
	checkContiguous(t, readAll(t, l), 0, 10)
}
