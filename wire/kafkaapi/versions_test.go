package kafkaapi_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/cmd/skiff/server/servertest"
)

// minimalRequest fills the fields a request needs to do something real
// against topic "v" (2 partitions), whatever its version.
func minimalRequest(key int16, version int16, topicID [16]byte) kmsg.Request {
	req := kmsg.RequestForKey(key)
	req.SetVersion(version)
	switch r := req.(type) {
	case *kmsg.ProduceRequest:
		r.Acks, r.TimeoutMillis = 1, 5000
		rt := kmsg.NewProduceRequestTopic()
		rt.Topic = "v"
		rp := kmsg.NewProduceRequestTopicPartition()
		rp.Records = simpleBatch(time.Now().UnixMilli(), fmt.Sprintf("produce v%d", version))
		rt.Partitions = append(rt.Partitions, rp)
		r.Topics = append(r.Topics, rt)
	case *kmsg.FetchRequest:
		*r = *fetchReq(version, "v", topicID, 0, 0)
	case *kmsg.ListOffsetsRequest:
		r.ReplicaID = -1
		rt := kmsg.NewListOffsetsRequestTopic()
		rt.Topic = "v"
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Timestamp = -1
		rt.Partitions = append(rt.Partitions, rp)
		r.Topics = append(r.Topics, rt)
	case *kmsg.MetadataRequest:
		mt := kmsg.NewMetadataRequestTopic()
		mt.Topic = kmsg.StringPtr("v")
		r.Topics = append(r.Topics, mt)
	case *kmsg.ApiVersionsRequest:
		r.ClientSoftwareName, r.ClientSoftwareVersion = "skiff-test", "1"
	case *kmsg.CreateTopicsRequest:
		r.TimeoutMillis = 5000
		ct := kmsg.NewCreateTopicsRequestTopic()
		ct.Topic, ct.NumPartitions, ct.ReplicationFactor = fmt.Sprintf("created-v%d", version), 1, 1
		r.Topics = append(r.Topics, ct)
	case *kmsg.DeleteTopicsRequest:
		r.TimeoutMillis = 5000
		name := fmt.Sprintf("absent-v%d", version)
		r.TopicNames = append(r.TopicNames, name)
		dt := kmsg.NewDeleteTopicsRequestTopic()
		dt.Topic = &name
		r.Topics = append(r.Topics, dt)
	case *kmsg.InitProducerIDRequest:
		r.TransactionTimeoutMillis = 60000
	case *kmsg.OffsetForLeaderEpochRequest:
		r.ReplicaID = -1
		rt := kmsg.NewOffsetForLeaderEpochRequestTopic()
		rt.Topic = "v"
		rp := kmsg.NewOffsetForLeaderEpochRequestTopicPartition()
		rt.Partitions = append(rt.Partitions, rp)
		r.Topics = append(r.Topics, rt)
	case *kmsg.DescribeConfigsRequest:
		dr := kmsg.NewDescribeConfigsRequestResource()
		dr.ResourceType, dr.ResourceName = kmsg.ConfigResourceTypeTopic, "v"
		r.Resources = append(r.Resources, dr)
	case *kmsg.AlterConfigsRequest:
		ar := kmsg.NewAlterConfigsRequestResource()
		ar.ResourceType, ar.ResourceName = kmsg.ConfigResourceTypeTopic, "v"
		r.Resources = append(r.Resources, ar)
	case *kmsg.CreatePartitionsRequest:
		r.TimeoutMillis = 5000
		cp := kmsg.NewCreatePartitionsRequestTopic()
		cp.Topic, cp.Count = "v", 1 // fewer than it has: refused, nothing changes
		r.Topics = append(r.Topics, cp)
	case *kmsg.IncrementalAlterConfigsRequest:
		ir := kmsg.NewIncrementalAlterConfigsRequestResource()
		ir.ResourceType, ir.ResourceName = kmsg.ConfigResourceTypeTopic, "v"
		r.Resources = append(r.Resources, ir)
	case *kmsg.DescribeClusterRequest:
		r.EndpointType = 1
	}
	return req
}

// TestEveryAdvertisedVersionAnswers sends a real request at every version
// of every API that ApiVersions advertises (librdkafka believes that table
// and uses the highest common version) and checks each answer decodes at
// that version and names what was asked.
func TestEveryAdvertisedVersionAnswers(t *testing.T) {
	n := servertest.Start(t)
	created := createTopic(t, n.Admin(), "v", 2, nil)
	c := dialRaw(t, n.Addr())
	av := kmsg.NewPtrApiVersionsRequest()
	av.SetVersion(3)
	av.ClientSoftwareName, av.ClientSoftwareVersion = "skiff-test", "1"
	table := c.roundTrip(av).(*kmsg.ApiVersionsResponse)
	if len(table.ApiKeys) < 14 {
		t.Fatalf("ApiVersions lists %d APIs", len(table.ApiKeys))
	}
	for _, k := range table.ApiKeys {
		if kmsg.RequestForKey(k.ApiKey) == nil {
			t.Errorf("advertised key %d is unknown to kmsg", k.ApiKey)
			continue
		}
		if max := kmsg.RequestForKey(k.ApiKey).MaxVersion(); k.MaxVersion > max {
			t.Errorf("%s advertised up to v%d, beyond kmsg's v%d", kmsg.NameForKey(k.ApiKey), k.MaxVersion, max)
			continue
		}
		for v := k.MinVersion; v <= k.MaxVersion; v++ {
			t.Run(fmt.Sprintf("%s/v%d", kmsg.NameForKey(k.ApiKey), v), func(t *testing.T) {
				parent := c.t
				c.t = t
				defer func() { c.t = parent }()
				resp := c.roundTrip(minimalRequest(k.ApiKey, v, created.ID))
				if resp.GetVersion() != v {
					t.Errorf("answered at v%d", resp.GetVersion())
				}
				checkAnswer(t, resp, v)
			})
		}
	}
}

// checkAnswer checks the parts of each answer that show the request was
// understood: the topic asked about, with no error where none is due.
func checkAnswer(t *testing.T, resp kmsg.Response, v int16) {
	t.Helper()
	switch r := resp.(type) {
	case *kmsg.ProduceResponse:
		p := r.Topics[0].Partitions[0]
		wantCode(t, "produce", p.ErrorCode, nil)
		if r.Topics[0].Topic != "v" || p.BaseOffset < 0 {
			t.Errorf("produce: topic %q base offset %d", r.Topics[0].Topic, p.BaseOffset)
		}
	case *kmsg.FetchResponse:
		p := r.Topics[0].Partitions[0]
		wantCode(t, "fetch", p.ErrorCode, nil)
		if p.HighWatermark < 1 || len(p.RecordBatches) == 0 {
			t.Errorf("fetch: high watermark %d, %d bytes", p.HighWatermark, len(p.RecordBatches))
		}
	case *kmsg.ListOffsetsResponse:
		p := r.Topics[0].Partitions[0]
		wantCode(t, "list offsets", p.ErrorCode, nil)
		if p.Offset < 1 {
			t.Errorf("list offsets: latest %d", p.Offset)
		}
	case *kmsg.MetadataResponse:
		if len(r.Topics) != 1 || r.Topics[0].ErrorCode != 0 || len(r.Topics[0].Partitions) != 2 || len(r.Brokers) != 1 {
			t.Errorf("metadata: %d topics, %d brokers", len(r.Topics), len(r.Brokers))
		}
	case *kmsg.ApiVersionsResponse:
		wantCode(t, "api versions", r.ErrorCode, nil)
	case *kmsg.CreateTopicsResponse:
		wantCode(t, "create topics", r.Topics[0].ErrorCode, nil)
	case *kmsg.DeleteTopicsResponse:
		if len(r.Topics) != 1 {
			t.Fatalf("delete topics: %d answers for 1 topic", len(r.Topics))
		}
		if r.Topics[0].ErrorCode != 3 {
			t.Errorf("delete of an absent topic: %s", errName(r.Topics[0].ErrorCode))
		}
	case *kmsg.InitProducerIDResponse:
		if r.ErrorCode != 0 || r.ProducerID < 0 {
			t.Errorf("init producer id: %s id %d", errName(r.ErrorCode), r.ProducerID)
		}
	case *kmsg.OffsetForLeaderEpochResponse:
		p := r.Topics[0].Partitions[0]
		if p.ErrorCode != 0 || (v >= 1 && p.LeaderEpoch != 0) || p.EndOffset < 1 {
			t.Errorf("offset for leader epoch: %s epoch %d end %d", errName(p.ErrorCode), p.LeaderEpoch, p.EndOffset)
		}
	case *kmsg.DescribeConfigsResponse:
		if r.Resources[0].ErrorCode != 0 || len(r.Resources[0].Configs) < 20 {
			t.Errorf("describe configs: %s, %d configs", errName(r.Resources[0].ErrorCode), len(r.Resources[0].Configs))
		}
	case *kmsg.AlterConfigsResponse:
		wantCode(t, "alter configs", r.Resources[0].ErrorCode, nil)
	case *kmsg.CreatePartitionsResponse:
		if r.Topics[0].ErrorCode != 37 {
			t.Errorf("create partitions to fewer: %s, want INVALID_PARTITIONS", errName(r.Topics[0].ErrorCode))
		}
	case *kmsg.IncrementalAlterConfigsResponse:
		wantCode(t, "incremental alter configs", r.Resources[0].ErrorCode, nil)
	case *kmsg.DescribeClusterResponse:
		if r.ErrorCode != 0 || len(r.Brokers) != 1 {
			t.Errorf("describe cluster: %s, %d brokers", errName(r.ErrorCode), len(r.Brokers))
		}
	default:
		t.Errorf("no check for %T: add one", resp)
	}
}
