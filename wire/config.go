package wire

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Config bounds what a Server accepts. Names follow Kafka's broker configs.
type Config struct {
	// MaxRequestBytes is socket.request.max.bytes: the largest request
	// frame accepted. A larger length prefix closes the connection before
	// anything is allocated for it.
	MaxRequestBytes int32

	// MaxInFlightPerConn is how many requests a connection may have read
	// but not yet answered. When it is reached the connection stops
	// reading its socket until a reply is written (Kafka mutes the
	// channel instead): backpressure on clients that pipeline.
	MaxInFlightPerConn int

	// IdleTimeout is connections.max.idle.ms: a connection that reads and
	// writes nothing for this long is closed.
	IdleTimeout time.Duration

	// MaxConnections is max.connections: connections accepted beyond it
	// are closed at once, with a log line.
	MaxConnections int
}

// maxInFlightPerConn bounds MaxInFlightPerConn: each connection allocates
// its pipeline up front.
const maxInFlightPerConn = 1 << 16

// DefaultConfig returns Kafka's defaults.
func DefaultConfig() Config {
	return Config{
		MaxRequestBytes:    104857600,
		MaxInFlightPerConn: 100,
		IdleTimeout:        600000 * time.Millisecond,
		MaxConnections:     math.MaxInt32,
	}
}

// Validate reports every setting that cannot work.
func (c Config) Validate() error {
	var errs []error
	if c.MaxRequestBytes < minFrameSize+2 {
		errs = append(errs, fmt.Errorf("socket.request.max.bytes %d: must be at least %d", c.MaxRequestBytes, minFrameSize+2))
	}
	if c.MaxInFlightPerConn < 1 || c.MaxInFlightPerConn > maxInFlightPerConn {
		errs = append(errs, fmt.Errorf("max in-flight requests per connection %d: must be between 1 and %d",
			c.MaxInFlightPerConn, maxInFlightPerConn))
	}
	if c.IdleTimeout <= 0 {
		errs = append(errs, fmt.Errorf("connections.max.idle.ms %v: must be positive", c.IdleTimeout))
	}
	if c.MaxConnections < 1 {
		errs = append(errs, fmt.Errorf("max.connections %d: must be at least 1", c.MaxConnections))
	}
	return errors.Join(errs...)
}
