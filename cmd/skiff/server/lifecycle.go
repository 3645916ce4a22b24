package server

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/metadata/record"
)

// brokerLifecycle is Kafka's BrokerLifecycleManager for this node: it
// registers the broker with the active controller, heartbeats to keep its
// session, waits to be unfenced, and asks to be fenced on shutdown.
//
// The incarnation id is the first log dir's directory.id, stable across
// restarts of the same node on the same disks. So a node that crashed and
// restarted re-registers at once (same incarnation), while a second process
// claiming the same node id from other disks is refused with
// DUPLICATE_BROKER_REGISTRATION until the first one's session expires.
type brokerLifecycle struct {
	n           *Node
	incarnation record.UUID
	brokerEpoch atomic.Int64
	fenced      atomic.Bool
}

func newBrokerLifecycle(n *Node, directoryID string) *brokerLifecycle {
	inc, err := record.ParseUUID(directoryID)
	if err != nil {
		// metaprops validated it; a zero incarnation still registers.
		n.logger.Warn().Err(err).Str("directory_id", directoryID).Msg("directory id is not a uuid; registering with a zero incarnation")
	}
	l := &brokerLifecycle{n: n, incarnation: inc}
	l.brokerEpoch.Store(-1)
	l.fenced.Store(true)
	return l
}

// epoch is the broker epoch of the current registration, -1 before it.
func (l *brokerLifecycle) epoch() int64 { return l.brokerEpoch.Load() }

// register sends BrokerRegistration until the controller accepts it,
// retrying while it is not (yet) the controller.
func (l *brokerLifecycle) register(ctx context.Context) error {
	req := kmsg.NewPtrBrokerRegistrationRequest()
	req.BrokerID = l.n.cfg.NodeID
	req.ClusterID = l.n.clusterID
	req.IncarnationID = l.incarnation
	if rack := l.n.cfg.BrokerRack(); rack != "" {
		req.Rack = &rack
	}
	for _, a := range l.n.cfg.AdvertisedListeners {
		if l.n.isControllerListener(a.Name) {
			continue
		}
		rl := kmsg.NewBrokerRegistrationRequestListener()
		rl.Name, rl.Host, rl.Port = a.Name, a.Host, uint16(a.Port)
		rl.SecurityProtocol = securityProtocolID(a.SecurityProtocol)
		req.Listeners = append(req.Listeners, rl)
	}
	return retry(ctx, func() (bool, error) {
		resp, err := l.n.ctrl.BrokerRegistration(ctx, req)
		if err != nil {
			return true, err
		}
		if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
			return kerr.IsRetriable(err) || err == kerr.NotController || err == kerr.DuplicateBrokerRegistration, fmt.Errorf("broker registration: %w", err)
		}
		l.brokerEpoch.Store(resp.BrokerEpoch)
		l.n.logger.Info().Int64("broker_epoch", resp.BrokerEpoch).Msg("registered with the controller")
		return false, nil
	})
}

// heartbeat sends one BrokerHeartbeat carrying the published metadata
// offset, and records whether the controller has unfenced the broker.
func (l *brokerLifecycle) heartbeat(ctx context.Context, wantShutdown bool) (*kmsg.BrokerHeartbeatResponse, error) {
	req := kmsg.NewPtrBrokerHeartbeatRequest()
	req.BrokerID = l.n.cfg.NodeID
	req.BrokerEpoch = l.epoch()
	req.CurrentMetadataOffset = l.n.parts.Image().Offset()
	req.WantShutdown = wantShutdown
	resp, err := l.n.ctrl.BrokerHeartbeat(ctx, req)
	if err != nil {
		return nil, err
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		return resp, fmt.Errorf("broker heartbeat: %w", err)
	}
	l.fenced.Store(resp.IsFenced)
	return resp, nil
}

// heartbeatLoop heartbeats every broker.heartbeat.interval.ms until ctx ends.
func (l *brokerLifecycle) heartbeatLoop(ctx context.Context) error {
	t := time.NewTicker(l.n.cfg.BrokerHeartbeatInterval())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if _, err := l.heartbeat(ctx, false); err != nil && ctx.Err() == nil {
				l.n.logger.Warn().Err(err).Msg("broker heartbeat")
			}
		}
	}
}

// waitUnfenced heartbeats quickly until the controller unfences the broker
// and this node has published its own registration.
func (l *brokerLifecycle) waitUnfenced(ctx context.Context) error {
	return retry(ctx, func() (bool, error) {
		if _, err := l.heartbeat(ctx, false); err != nil {
			return true, err
		}
		if l.fenced.Load() {
			return true, fmt.Errorf("broker %d still fenced", l.n.cfg.NodeID)
		}
		b, ok := l.n.parts.Image().Broker(l.n.cfg.NodeID)
		if !ok || b.Fenced || b.Epoch != l.epoch() {
			return true, fmt.Errorf("broker %d registration not yet published", l.n.cfg.NodeID)
		}
		return false, nil
	})
}

// shutdown tells the controller this broker is going away (controlled
// shutdown), so it is fenced at once instead of after its session expires.
func (l *brokerLifecycle) shutdown(ctx context.Context) {
	if l.epoch() < 0 {
		return
	}
	if _, err := l.heartbeat(ctx, true); err != nil {
		l.n.logger.Warn().Err(err).Msg("controlled shutdown heartbeat")
	}
}

// retry runs fn until it succeeds, returns a permanent error, or ctx ends,
// backing off from 10 ms to 1 s between attempts.
func retry(ctx context.Context, fn func() (retriable bool, err error)) error {
	backoff := 10 * time.Millisecond
	for {
		retriable, err := fn()
		if err == nil {
			return nil
		}
		if !retriable {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Second)
	}
}

// securityProtocolID is Kafka's SecurityProtocol id for a protocol name.
func securityProtocolID(name string) int16 {
	switch name {
	case "SSL":
		return 1
	case "SASL_PLAINTEXT":
		return 2
	case "SASL_SSL":
		return 3
	}
	return 0
}
