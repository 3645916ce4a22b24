package controller

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/metadata/image"
	"github.com/skiffhq/skiff/metadata/quorum"
	"github.com/skiffhq/skiff/metadata/record"
)

// Quorum is what the controller needs from the metadata quorum;
// *quorum.Quorum implements it.
type Quorum interface {
	// Image is the current applied image.
	Image() *image.Image
	// Propose writes one entry and waits until it is applied locally.
	Propose(ctx context.Context, records []record.Record) (quorum.ProposeResult, error)
	// IsLeader reports whether this node leads the quorum.
	IsLeader() bool
	// Term is the current Raft term (the controller epoch).
	Term() uint64
	// WaitReady returns once the image holds everything committed before.
	WaitReady(ctx context.Context) error
}

// Controller serialises controller operations on one goroutine. Its
// methods are safe for concurrent use; each blocks until its operation is
// answered or ctx ends.
type Controller struct {
	cfg Config
	q   Quorum
	log zerolog.Logger

	ops       chan *op
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	loopCtx   context.Context
	cancel    context.CancelFunc

	// Owned by the loop goroutine.
	env        *env
	activeTerm uint64 // the term this controller last became active in; 0 if inactive
}

type op struct {
	ctx  context.Context
	run  func(ctx context.Context)
	done chan struct{}
}

// New starts a controller over q. It acts only while q's node leads.
func New(cfg Config, q Quorum, logger zerolog.Logger) (*Controller, error) {
	if cfg.Clock == nil {
		cfg.Clock = SystemClock
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	seed := cfg.Seed
	if seed == 0 {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("controller: seed: %w", err)
		}
		seed = binary.LittleEndian.Uint64(b[:])
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Controller{
		cfg:     cfg,
		q:       q,
		log:     logger.With().Str("component", "metadata.controller").Int32("node", cfg.NodeID).Logger(),
		ops:     make(chan *op),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		loopCtx: ctx,
		cancel:  cancel,
		env:     newEnv(cfg, seed),
	}
	go c.loop()
	return c, nil
}

// Close stops the event loop, cancelling the operation in progress, and
// waits for it. It does not close the quorum.
func (c *Controller) Close() {
	c.closeOnce.Do(func() {
		close(c.stop)
		c.cancel()
	})
	<-c.done
}

func (c *Controller) loop() {
	defer close(c.done)
	ticker := time.NewTicker(c.cfg.LivenessCheckInterval)
	defer ticker.Stop()
	for {
		select {
		case o := <-c.ops:
			c.runOp(o)
		case <-ticker.C:
			c.fenceStaleBrokers(c.loopCtx)
		case <-c.stop:
			return
		}
	}
}

func (c *Controller) runOp(o *op) {
	defer close(o.done)
	if o.ctx.Err() != nil {
		return // the caller gave up before we started
	}
	ctx, cancel := context.WithCancel(o.ctx)
	defer cancel()
	stop := context.AfterFunc(c.loopCtx, cancel)
	defer stop()
	o.run(ctx)
}

// submit runs fn on the loop goroutine and waits for it.
func (c *Controller) submit(ctx context.Context, fn func(ctx context.Context)) error {
	o := &op{ctx: ctx, run: fn, done: make(chan struct{})}
	select {
	case c.ops <- o:
	case <-ctx.Done():
		return ctx.Err()
	case <-c.stop:
		return ErrClosed
	}
	select {
	case <-o.done:
		// Answered, possibly with REQUEST_TIMED_OUT items if ctx ended
		// while entries were being written.
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// activate makes sure this node may act: it leads the quorum, and if it
// has just won an election, its image holds everything committed before
// (a barrier) and broker sessions restart from now. Loop goroutine only.
func (c *Controller) activate(ctx context.Context) *apiError {
	if !c.q.IsLeader() {
		c.activeTerm = 0
		return errorf(kerr.NotController, "This node is not the active controller.")
	}
	term := c.q.Term()
	if term == c.activeTerm {
		return nil
	}
	if err := c.q.WaitReady(ctx); err != nil {
		return proposeError(err)
	}
	c.activeTerm = term
	c.env.live.reset(c.cfg.Clock.Now(), c.q.Image().Offset())
	c.log.Info().Uint64("epoch", term).Int64("offset", c.q.Image().Offset()).Msg("active controller")
	return nil
}

// prepare activates the controller and returns the image and environment
// to decide on. Loop goroutine only.
func (c *Controller) prepare(ctx context.Context) (*image.Image, *env, *apiError) {
	if err := c.activate(ctx); err != nil {
		return nil, nil, err
	}
	c.env.now = c.cfg.Clock.Now()
	return c.q.Image(), c.env, nil
}

type writeResult struct {
	res quorum.ProposeResult
	err error
}

// write proposes entries (concurrently, up to MaxInflightProposals, so
// they share Raft batches) and then, on the loop goroutine, reports each
// outcome to its entry.
func (c *Controller) write(ctx context.Context, entries []entry) {
	results := make([]writeResult, len(entries))
	if len(entries) == 1 {
		results[0].res, results[0].err = c.q.Propose(ctx, entries[0].records)
	} else {
		var wg sync.WaitGroup
		sem := make(chan struct{}, c.cfg.MaxInflightProposals)
		for i := range entries {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				results[i].res, results[i].err = c.q.Propose(ctx, entries[i].records)
			}()
		}
		wg.Wait()
	}
	for i, r := range results {
		switch {
		case r.err != nil:
			c.log.Debug().Err(r.err).Msg("metadata entry not written")
			entries[i].onError(proposeError(r.err))
		case entries[i].onCommit != nil:
			entries[i].onCommit(r.res)
		}
	}
}

// fenceStaleBrokers fences brokers whose sessions expired. Loop goroutine.
func (c *Controller) fenceStaleBrokers(ctx context.Context) {
	// Activating (after an election) restarts every session, so nobody is
	// fenced merely because the controller changed.
	img, e, err := c.prepare(ctx)
	if err != nil {
		return
	}
	entries := decideFencing(img, e)
	for _, en := range entries {
		b := en.records[0].(*record.BrokerRegistrationChange)
		c.log.Info().Int32("broker", b.BrokerID).Int64("broker_epoch", b.BrokerEpoch).
			Dur("session_timeout", c.cfg.SessionTimeout).Msg("fencing broker whose session expired")
	}
	c.write(ctx, entries)
}

// CreateTopics creates topics (see create_topics.go).
func (c *Controller) CreateTopics(ctx context.Context, req *kmsg.CreateTopicsRequest) (*kmsg.CreateTopicsResponse, error) {
	var resp *kmsg.CreateTopicsResponse
	err := c.submit(ctx, func(ctx context.Context) {
		img, e, err := c.prepare(ctx)
		if err != nil {
			resp = createTopicsFailed(req, err)
			return
		}
		var entries []entry
		resp, entries = decideCreateTopics(img, req, e)
		c.write(ctx, entries)
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// DeleteTopics deletes topics (see delete_topics.go).
func (c *Controller) DeleteTopics(ctx context.Context, req *kmsg.DeleteTopicsRequest) (*kmsg.DeleteTopicsResponse, error) {
	var resp *kmsg.DeleteTopicsResponse
	err := c.submit(ctx, func(ctx context.Context) {
		img, _, err := c.prepare(ctx)
		if err != nil {
			resp = deleteTopicsFailed(req, err)
			return
		}
		var entries []entry
		resp, entries = decideDeleteTopics(img, req)
		c.write(ctx, entries)
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// CreatePartitions adds partitions (see create_partitions.go).
func (c *Controller) CreatePartitions(ctx context.Context, req *kmsg.CreatePartitionsRequest) (*kmsg.CreatePartitionsResponse, error) {
	var resp *kmsg.CreatePartitionsResponse
	err := c.submit(ctx, func(ctx context.Context) {
		img, e, err := c.prepare(ctx)
		if err != nil {
			resp = createPartitionsFailed(req, err)
			return
		}
		var entries []entry
		resp, entries = decideCreatePartitions(img, req, e)
		c.write(ctx, entries)
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// AlterConfigs replaces config overrides (see alter_configs.go).
func (c *Controller) AlterConfigs(ctx context.Context, req *kmsg.AlterConfigsRequest) (*kmsg.AlterConfigsResponse, error) {
	var results []configResult
	err := c.submit(ctx, func(ctx context.Context) {
		results = c.alterConfigs(ctx, legacyConfigRequests(req), true, req.ValidateOnly)
	})
	if err != nil {
		return nil, err
	}
	return alterConfigsResponse(req.Version, results), nil
}

// IncrementalAlterConfigs changes config overrides key by key (see
// alter_configs.go).
func (c *Controller) IncrementalAlterConfigs(ctx context.Context, req *kmsg.IncrementalAlterConfigsRequest) (*kmsg.IncrementalAlterConfigsResponse, error) {
	var results []configResult
	err := c.submit(ctx, func(ctx context.Context) {
		results = c.alterConfigs(ctx, incrementalConfigRequests(req), false, req.ValidateOnly)
	})
	if err != nil {
		return nil, err
	}
	return incrementalAlterConfigsResponse(req.Version, results), nil
}

func (c *Controller) alterConfigs(ctx context.Context, resources []configRequest, replace, validateOnly bool) []configResult {
	img, e, err := c.prepare(ctx)
	if err != nil {
		results := make([]configResult, len(resources))
		for i, r := range resources {
			results[i] = configResult{typ: r.typ, name: r.name, err: err}
		}
		return results
	}
	results, entries := decideAlterConfigs(img, resources, replace, validateOnly, e)
	c.write(ctx, entries)
	return results
}

// AllocateProducerIDs hands a broker a block of producer ids (see
// producer_ids.go).
func (c *Controller) AllocateProducerIDs(ctx context.Context, req *kmsg.AllocateProducerIDsRequest) (*kmsg.AllocateProducerIDsResponse, error) {
	var resp *kmsg.AllocateProducerIDsResponse
	err := c.submit(ctx, func(ctx context.Context) {
		img, e, err := c.prepare(ctx)
		if err != nil {
			resp = kmsg.NewPtrAllocateProducerIDsResponse()
			resp.Version, resp.ErrorCode = req.Version, err.code()
			return
		}
		var entries []entry
		resp, entries = decideAllocateProducerIDs(img, req, e)
		c.write(ctx, entries)
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// BrokerRegistration registers a broker (see brokers.go).
func (c *Controller) BrokerRegistration(ctx context.Context, req *kmsg.BrokerRegistrationRequest) (*kmsg.BrokerRegistrationResponse, error) {
	var resp *kmsg.BrokerRegistrationResponse
	err := c.submit(ctx, func(ctx context.Context) {
		img, e, err := c.prepare(ctx)
		if err != nil {
			resp = kmsg.NewPtrBrokerRegistrationResponse()
			resp.Version, resp.ErrorCode = req.Version, err.code()
			return
		}
		var entries []entry
		resp, entries = decideBrokerRegistration(img, req, e)
		c.write(ctx, entries)
		if resp.ErrorCode == 0 {
			c.log.Info().Int32("broker", req.BrokerID).Int64("broker_epoch", resp.BrokerEpoch).Msg("registered broker")
		}
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// BrokerHeartbeat records a broker heartbeat (see brokers.go).
func (c *Controller) BrokerHeartbeat(ctx context.Context, req *kmsg.BrokerHeartbeatRequest) (*kmsg.BrokerHeartbeatResponse, error) {
	var resp *kmsg.BrokerHeartbeatResponse
	err := c.submit(ctx, func(ctx context.Context) {
		img, e, err := c.prepare(ctx)
		if err != nil {
			resp = kmsg.NewPtrBrokerHeartbeatResponse()
			resp.Version, resp.ErrorCode = req.Version, err.code()
			return
		}
		var entries []entry
		resp, entries = decideBrokerHeartbeat(img, req, e)
		c.write(ctx, entries)
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}
