package kafkaapi

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/replication"
	"github.com/skiffhq/skiff/wire"
)

// Config configures the handlers.
type Config struct {
	NodeID    int32
	ClusterID string
	// AutoCreateTopics is auto.create.topics.enable: a Metadata request for
	// an unknown topic creates it with the broker's defaults.
	AutoCreateTopics bool
	// BrokerStatic is the broker's static Kafka configuration, for
	// DescribeConfigs.
	BrokerStatic map[string]string
	// AdminTimeout bounds how long an admin request waits for the local
	// broker to publish the metadata change it made.
	AdminTimeout time.Duration
}

// DefaultConfig is node 1 with auto-creation on, as Kafka's defaults.
func DefaultConfig() Config {
	return Config{NodeID: 1, AutoCreateTopics: true, AdminTimeout: 30 * time.Second}
}

// Validate reports a config the handlers cannot run with.
func (c Config) Validate() error {
	if c.NodeID < 0 {
		return fmt.Errorf("node id %d: must be >= 0", c.NodeID)
	}
	if c.ClusterID == "" {
		return errors.New("cluster id: must be set")
	}
	if c.AdminTimeout <= 0 {
		return fmt.Errorf("admin timeout %v: must be > 0", c.AdminTimeout)
	}
	return nil
}

// controller is what the handlers need from the active controller. Its
// methods take and return the Kafka messages themselves, so a broker that
// is not the controller can forward them unchanged.
type controller interface {
	CreateTopics(context.Context, *kmsg.CreateTopicsRequest) (*kmsg.CreateTopicsResponse, error)
	DeleteTopics(context.Context, *kmsg.DeleteTopicsRequest) (*kmsg.DeleteTopicsResponse, error)
	CreatePartitions(context.Context, *kmsg.CreatePartitionsRequest) (*kmsg.CreatePartitionsResponse, error)
	AlterConfigs(context.Context, *kmsg.AlterConfigsRequest) (*kmsg.AlterConfigsResponse, error)
	IncrementalAlterConfigs(context.Context, *kmsg.IncrementalAlterConfigsRequest) (*kmsg.IncrementalAlterConfigsResponse, error)
	AllocateProducerIDs(context.Context, *kmsg.AllocateProducerIDsRequest) (*kmsg.AllocateProducerIDsResponse, error)
}

// Deps are the parts the handlers drive.
type Deps struct {
	Partitions *replication.Manager
	Controller controller
	// MetadataOffset is the offset of the last metadata entry committed and
	// applied on this node (the quorum's applied index): after a controller
	// call returns, the change is at or below it.
	MetadataOffset func() int64
	// ActiveController is the node id of the Raft leader, if known.
	ActiveController func() (int32, bool)
	// BrokerEpoch is this broker's epoch from its current registration,
	// which controller requests made on its behalf carry.
	BrokerEpoch func() int64
}

// Handler serves the Kafka APIs in the version table. It implements
// wire.Handler and is safe for concurrent use.
type Handler struct {
	cfg         Config
	deps        Deps
	logger      zerolog.Logger
	metrics     *topicMetrics
	producerIDs *producerIDBlocks
}

// New returns a Handler.
func New(cfg Config, deps Deps, logger zerolog.Logger, reg prometheus.Registerer) (*Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("kafkaapi config: %w", err)
	}
	if deps.Partitions == nil || deps.Controller == nil || deps.MetadataOffset == nil || deps.ActiveController == nil || deps.BrokerEpoch == nil {
		return nil, errors.New("kafkaapi: every dependency must be set")
	}
	cfg.BrokerStatic = maps.Clone(cfg.BrokerStatic)
	met, err := newTopicMetrics(reg)
	if err != nil {
		return nil, err
	}
	h := &Handler{
		cfg:     cfg,
		deps:    deps,
		logger:  logger.With().Str("component", "kafkaapi").Logger(),
		metrics: met,
	}
	h.producerIDs = newProducerIDBlocks(cfg.NodeID, deps.BrokerEpoch, deps.Controller)
	return h, nil
}

// Handle dispatches one request to the file that serves its API.
func (h *Handler) Handle(ctx context.Context, req *wire.Request) wire.Reply {
	switch body := req.Body.(type) {
	case *kmsg.ApiVersionsRequest:
		return wire.Respond(h.apiVersions(req, body))
	case *kmsg.MetadataRequest:
		return wire.Respond(h.metadata(ctx, req, body))
	case *kmsg.ProduceRequest:
		return h.produce(ctx, req, body)
	case *kmsg.FetchRequest:
		return h.fetch(ctx, body)
	case *kmsg.ListOffsetsRequest:
		return wire.Respond(h.listOffsets(body))
	case *kmsg.OffsetForLeaderEpochRequest:
		return wire.Respond(h.offsetForLeaderEpoch(body))
	case *kmsg.CreateTopicsRequest:
		return wire.Respond(h.createTopics(ctx, body))
	case *kmsg.DeleteTopicsRequest:
		return wire.Respond(h.deleteTopics(ctx, body))
	case *kmsg.CreatePartitionsRequest:
		return wire.Respond(h.createPartitions(ctx, body))
	case *kmsg.DescribeConfigsRequest:
		return wire.Respond(h.describeConfigs(body))
	case *kmsg.AlterConfigsRequest:
		return wire.Respond(h.alterConfigs(ctx, body))
	case *kmsg.IncrementalAlterConfigsRequest:
		return wire.Respond(h.incrementalAlterConfigs(ctx, body))
	case *kmsg.DescribeClusterRequest:
		return wire.Respond(h.describeCluster(req, body))
	case *kmsg.InitProducerIDRequest:
		return wire.Respond(h.initProducerID(ctx, body))
	}
	// Supports let through a key this switch does not know: a bug, but not
	// one to crash on. Closing is what Kafka does for an unknown API.
	return wire.CloseConnection(fmt.Errorf("api key %d (%s) is in the version table but has no handler", req.Key, kmsg.NameForKey(req.Key)))
}

// afterControllerChange waits, bounded, until this broker has published the
// metadata the controller just committed, so the client's next request
// (Metadata, Produce to a new topic) sees it.
func (h *Handler) afterControllerChange(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, h.cfg.AdminTimeout)
	defer cancel()
	if err := h.deps.Partitions.WaitPublished(ctx, h.deps.MetadataOffset()); err != nil {
		h.logger.Warn().Err(err).Msg("metadata change not yet published locally")
	}
}
