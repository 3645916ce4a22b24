package servertest

import (
	"time"

	"github.com/rs/zerolog"
)

// An Option changes how Start builds or runs the node.
type Option func(*options)

type options struct {
	overrides    map[string]string
	logDir       string
	logLevel     zerolog.Level
	logger       *zerolog.Logger
	readyTimeout time.Duration
	noHTTP       bool
}

func defaultOptions() options {
	return options{
		overrides:    map[string]string{},
		logLevel:     zerolog.WarnLevel,
		readyTimeout: 30 * time.Second,
	}
}

// Override sets a Kafka broker key as `skiff server --override key=value`
// does (auto.create.topics.enable, num.partitions, message.max.bytes,
// log.retention.ms, ...). Keys that shape the node itself — node.id,
// process.roles, listeners and their names, voters, log dirs, the HTTP
// listener, cluster.id — are chosen by the package; overriding one fails
// the test.
func Override(key, value string) Option {
	return func(o *options) { o.overrides[key] = value }
}

// LogDir runs the node on dir instead of a fresh t.TempDir(), for tests
// that start a second node on the data an earlier one left behind. The
// caller owns dir (make it with t.TempDir()).
func LogDir(dir string) Option {
	return func(o *options) { o.logDir = dir }
}

// LogLevel sets the level of the node's log, which goes to the test's log
// (t.Logf). The default is warn, so a passing test stays quiet.
func LogLevel(l zerolog.Level) Option {
	return func(o *options) { o.logLevel = l }
}

// Logger sends the node's log to l instead of the test's log.
func Logger(l zerolog.Logger) Option {
	return func(o *options) { o.logger = &l }
}

// ReadyTimeout bounds how long Start and Restart wait for the node to
// become ready (30 s by default).
func ReadyTimeout(d time.Duration) Option {
	return func(o *options) { o.readyTimeout = d }
}

// WithoutHTTP starts the node without its HTTP endpoints.
func WithoutHTTP() Option {
	return func(o *options) { o.noHTTP = true }
}

// structuralKeys are broker keys that become typed server.Config fields
// this package sets itself; an override of one would be silently ignored,
// so Start refuses it.
var structuralKeys = map[string]bool{
	"node.id": true, "broker.id": true, "process.roles": true,
	"listeners": true, "advertised.listeners": true, "listener.security.protocol.map": true,
	"controller.listener.names": true, "inter.broker.listener.name": true,
	"security.inter.broker.protocol": true, "controller.quorum.voters": true,
	"controller.quorum.bootstrap.servers": true, "log.dirs": true, "log.dir": true,
	"metadata.log.dir": true, "http.listener": true, "cluster.id": true,
}
