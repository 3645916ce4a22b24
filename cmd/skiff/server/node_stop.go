package server

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/rs/zerolog"

	"github.com/skiffhq/skiff/wire"
)

// shutdownGrace bounds the controlled-shutdown handshake with the
// controller; a node stops even if the controller does not answer.
const shutdownGrace = 5 * time.Second

// stop tears the node down in the reverse order of start. It is idempotent:
// Close, a fatal error and a failed Start all end here.
func (n *Node) stop() error {
	var errs []error
	n.closeOnce.Do(func() {
		n.setNotReady("shutting down")
		// Stop taking requests before anything they use goes away.
		if n.wire != nil {
			errs = append(errs, n.wire.Close())
		}
		if n.lifecycle != nil && n.ctrl != nil {
			ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			n.lifecycle.shutdown(ctx)
			cancel()
		}
		n.cancel()
		// The controller and quorum stop before the controller listener
		// closes, so raft's transport sees its own shutdown rather than a
		// listener failure.
		if n.ctrl != nil {
			n.ctrl.Close()
		}
		if n.quorum != nil {
			errs = append(errs, n.quorum.Close())
		}
		if n.mux != nil {
			errs = append(errs, ignoreClosed(n.mux.Close()))
		}
		n.wg.Wait()
		if n.parts != nil {
			n.parts.Close()
		}
		if n.logs != nil {
			errs = append(errs, n.logs.Close())
		}
		for name, ln := range n.listeners {
			if err := ignoreClosed(ln.Close()); err != nil {
				errs = append(errs, err)
			}
			delete(n.listeners, name)
		}
		if n.http != nil {
			errs = append(errs, n.http.Close())
		}
		for _, l := range n.locks {
			errs = append(errs, l.release())
		}
		switch err := errors.Join(errs...); {
		case err != nil:
			n.logger.Error().Err(err).Msg("errors while stopping")
		case !n.started.Load():
			n.logger.Info().Msg("stopped after a failed start")
		default:
			n.logger.Info().Msg("stopped cleanly")
		}
		close(n.done)
	})
	return errors.Join(errs...)
}

// refuseConns accepts and closes Kafka-protocol connections on the
// controller listener: controller RPCs from other nodes (registration,
// heartbeats, forwarding) arrive with multi-node clusters.
func refuseConns(ctx context.Context, ln net.Listener, logger zerolog.Logger) {
	for ctx.Err() == nil {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		logger.Debug().Str("remote", c.RemoteAddr().String()).Msg("closing Kafka connection on the controller listener: controller RPCs are not served yet")
		c.Close()
	}
}

// ignoreClosed treats a closed listener or server as a normal stop.
func ignoreClosed(err error) error {
	if err == nil || errors.Is(err, net.ErrClosed) || errors.Is(err, wire.ErrServerClosed) {
		return nil
	}
	return err
}

// ignoreCancel drops err when ctx was cancelled: the node is stopping, so
// the interrupted step is not a failure.
func ignoreCancel(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}
