package kafkaapi

// ApiVersions (key 18), versions 0–4.
//
// The response lists exactly the version table in versions.go. A client
// asking a version Skiff does not serve gets UNSUPPORTED_VERSION with the
// table in the v0 format (KIP-511), so it can retry at a version both
// sides know, instead of a closed socket. v3's client software name and
// version are accepted without the regex check Kafka applies: rejecting a
// client over its self-description helps nobody. Feature flags (v3+
// tagged fields) are left empty: Skiff advertises no finalized features
// yet.

import (
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/wire"
)

func (h *Handler) apiVersions(req *wire.Request, _ *kmsg.ApiVersionsRequest) *kmsg.ApiVersionsResponse {
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.Version = req.Version
	if req.UnsupportedVersion {
		resp.Version = 0
		resp.ErrorCode = kerr.UnsupportedVersion.Code
	}
	keys := make([]int16, 0, len(served))
	for k := range served {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		r := served[k]
		v := kmsg.NewApiVersionsResponseApiKey()
		v.ApiKey, v.MinVersion, v.MaxVersion = k, r.min, r.max
		resp.ApiKeys = append(resp.ApiKeys, v)
	}
	return resp
}
