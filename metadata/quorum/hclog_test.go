package quorum

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/rs/zerolog"
)

func TestHCLogAdapter(t *testing.T) {
	var buf bytes.Buffer
	l := newHCLogAdapter(zerolog.New(&buf).Level(zerolog.InfoLevel))
	l.Named("raft").With("peer", "2").Warn("heartbeat failed", "error", errors.New("timeout"), "attempt", 3, "odd")
	l.Debug("hidden")
	l.Info("formatted", "v", hclog.Fmt("%d-%s", 7, "x"))
	l.StandardLogger(nil).Print("from std logger")
	out := buf.String()
	for _, want := range []string{
		`"level":"warn"`, `"subsystem":"raft"`, `"peer":"2"`, `"error":"timeout"`, `"attempt":3`,
		`"EXTRA_VALUE_AT_END":"odd"`, `"v":"7-x"`, `"message":"from std logger"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log output lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "hidden") {
		t.Error("debug line logged at info level")
	}
	if l.IsDebug() || !l.IsInfo() || l.GetLevel() != hclog.Info || l.Named("a").Named("b").Name() != "a.b" {
		t.Errorf("levels or names wrong: %v %q", l.GetLevel(), l.Named("a").Named("b").Name())
	}
}
