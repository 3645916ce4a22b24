package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

// logEntry is one line of the broker's JSON log (--log-format json).
type logEntry map[string]any

func (e logEntry) msg() string   { return e.str("message") }
func (e logEntry) level() string { return e.str("level") }

// str returns field k as text ("" if absent).
func (e logEntry) str(k string) string {
	switch v := e[k].(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return fmt.Sprint(int64(v))
	default:
		return fmt.Sprint(v)
	}
}

func (e logEntry) String() string {
	b, _ := json.Marshal(map[string]any(e))
	return string(b)
}

// logPath is the log file of start i (0-based; -1 is the latest start).
func (b *broker) logPath(i int) string {
	if i < 0 {
		i = len(b.logs) + i
	}
	if i < 0 || i >= len(b.logs) {
		b.t.Fatalf("no broker log for start %d (%d starts)", i, len(b.logs))
	}
	return b.logs[i]
}

// logText is the whole log of start i.
func (b *broker) logText(i int) string {
	data, err := os.ReadFile(b.logPath(i))
	if err != nil {
		b.t.Fatalf("read broker log: %v", err)
	}
	return string(data)
}

func (b *broker) logContains(i int, s string) bool {
	if len(b.logs) == 0 {
		return false
	}
	return strings.Contains(b.logText(i), s)
}

// entries parses the JSON lines of start i's log; other lines (the CLI's
// final error message) are skipped.
func (b *broker) entries(i int) []logEntry {
	var out []logEntry
	sc := bufio.NewScanner(bytes.NewReader([]byte(b.logText(i))))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e logEntry
		if json.Unmarshal(sc.Bytes(), &e) == nil {
			out = append(out, e)
		}
	}
	return out
}

// entriesWith returns start i's entries with message msg.
func (b *broker) entriesWith(i int, msg string) []logEntry {
	var out []logEntry
	for _, e := range b.entries(i) {
		if e.msg() == msg {
			out = append(out, e)
		}
	}
	return out
}

// waitEntry polls the latest start's log until an entry satisfies match,
// for at most timeout. The broker writes its log asynchronously to what
// the test observes on the wire, so a bounded wait is the only way.
func (b *broker) waitEntry(timeout time.Duration, match func(logEntry) bool) (logEntry, bool) {
	deadline := time.Now().Add(timeout)
	for {
		for _, e := range b.entries(-1) {
			if match(e) {
				return e, true
			}
		}
		if time.Now().After(deadline) {
			return nil, false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// logDirOpened returns the "log dir opened" entry of start i for dir.
func (b *broker) logDirOpened(i int, dir string) logEntry {
	b.t.Helper()
	for _, e := range b.entriesWith(i, "log dir opened") {
		if e.str("log_dir") == dir {
			return e
		}
	}
	b.t.Fatalf("start %d: no \"log dir opened\" line for %s", i, dir)
	return nil
}
