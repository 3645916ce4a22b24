package quorum

import (
	"bytes"
	"fmt"
	"io"
	"log"

	"github.com/hashicorp/go-hclog"
	"github.com/rs/zerolog"
)

// hclogAdapter routes hashicorp/raft's hclog output into zerolog. Raft's
// own levels are kept: Info marks leadership changes and elections worth
// seeing in a normal log; its per-RPC chatter is at Debug and Trace.
type hclogAdapter struct {
	log     zerolog.Logger
	name    string
	implied []any
}

func newHCLogAdapter(l zerolog.Logger) hclog.Logger {
	return &hclogAdapter{log: l}
}

func (a *hclogAdapter) Log(level hclog.Level, msg string, args ...any) {
	var ev *zerolog.Event
	switch level {
	case hclog.Trace:
		ev = a.log.Trace()
	case hclog.Debug:
		ev = a.log.Debug()
	case hclog.Warn:
		ev = a.log.Warn()
	case hclog.Error:
		ev = a.log.Error()
	case hclog.Off:
		return
	default:
		ev = a.log.Info()
	}
	if ev == nil { // level disabled
		return
	}
	if a.name != "" {
		ev = ev.Str("subsystem", a.name)
	}
	addFields(ev, a.implied)
	addFields(ev, args)
	ev.Msg(msg)
}

// addFields adds hclog's alternating key/value arguments.
func addFields(ev *zerolog.Event, args []any) {
	for i := 0; i < len(args); i += 2 {
		key := fmt.Sprint(args[i])
		if i+1 == len(args) {
			ev.Str("EXTRA_VALUE_AT_END", key)
			return
		}
		switch v := args[i+1].(type) {
		case error:
			ev.AnErr(key, v)
		case fmt.Stringer:
			ev.Stringer(key, v)
		case hclog.Format:
			ev.Str(key, formatValue(v))
		default:
			ev.Interface(key, v)
		}
	}
}

func (a *hclogAdapter) Trace(msg string, args ...any) { a.Log(hclog.Trace, msg, args...) }
func (a *hclogAdapter) Debug(msg string, args ...any) { a.Log(hclog.Debug, msg, args...) }
func (a *hclogAdapter) Info(msg string, args ...any)  { a.Log(hclog.Info, msg, args...) }
func (a *hclogAdapter) Warn(msg string, args ...any)  { a.Log(hclog.Warn, msg, args...) }
func (a *hclogAdapter) Error(msg string, args ...any) { a.Log(hclog.Error, msg, args...) }

func (a *hclogAdapter) IsTrace() bool { return a.log.GetLevel() <= zerolog.TraceLevel }
func (a *hclogAdapter) IsDebug() bool { return a.log.GetLevel() <= zerolog.DebugLevel }
func (a *hclogAdapter) IsInfo() bool  { return a.log.GetLevel() <= zerolog.InfoLevel }
func (a *hclogAdapter) IsWarn() bool  { return a.log.GetLevel() <= zerolog.WarnLevel }
func (a *hclogAdapter) IsError() bool { return a.log.GetLevel() <= zerolog.ErrorLevel }

func (a *hclogAdapter) ImpliedArgs() []any { return a.implied }

func (a *hclogAdapter) With(args ...any) hclog.Logger {
	c := *a
	c.implied = append(append([]any{}, a.implied...), args...)
	return &c
}

func (a *hclogAdapter) Name() string { return a.name }

func (a *hclogAdapter) Named(name string) hclog.Logger {
	c := *a
	if c.name != "" {
		name = c.name + "." + name
	}
	c.name = name
	return &c
}

func (a *hclogAdapter) ResetNamed(name string) hclog.Logger {
	c := *a
	c.name = name
	return &c
}

// SetLevel is ignored: the level is the injected zerolog logger's.
func (a *hclogAdapter) SetLevel(hclog.Level) {}

func (a *hclogAdapter) GetLevel() hclog.Level {
	switch a.log.GetLevel() {
	case zerolog.TraceLevel:
		return hclog.Trace
	case zerolog.DebugLevel:
		return hclog.Debug
	case zerolog.InfoLevel:
		return hclog.Info
	case zerolog.WarnLevel:
		return hclog.Warn
	case zerolog.ErrorLevel:
		return hclog.Error
	case zerolog.Disabled:
		return hclog.Off
	}
	return hclog.Info
}

func (a *hclogAdapter) StandardLogger(opts *hclog.StandardLoggerOptions) *log.Logger {
	return log.New(a.StandardWriter(opts), "", 0)
}

func (a *hclogAdapter) StandardWriter(*hclog.StandardLoggerOptions) io.Writer {
	return lineWriter{a}
}

// lineWriter logs each write (one line from a standard *log.Logger) at Info.
type lineWriter struct{ a *hclogAdapter }

func (w lineWriter) Write(p []byte) (int, error) {
	w.a.Log(hclog.Info, string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

func formatValue(f hclog.Format) string {
	if len(f) > 0 {
		if format, ok := f[0].(string); ok {
			return fmt.Sprintf(format, f[1:]...)
		}
	}
	return fmt.Sprint(f...)
}
