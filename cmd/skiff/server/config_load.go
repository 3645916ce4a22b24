package server

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/skiffhq/skiff/log/metaprops"
	kconfig "github.com/skiffhq/skiff/metadata/config"
)

// Flag is a `skiff server` flag that sets a Kafka broker key: --node-id
// sets node.id, and SKIFF_NODE_ID does the same from the environment.
type Flag struct {
	Name  string // without dashes: "node-id"
	Key   string // "node.id"
	Env   string // "SKIFF_NODE_ID"
	Usage string
}

// Flags lists the flags of `skiff server` that set broker keys, in the
// order --help shows them. The CLI builds its flags from it.
func Flags() []Flag {
	flags := []Flag{
		{Name: "node-id", Key: "node.id", Usage: "id of this node, unique in the cluster (node.id)"},
		{Name: "process-roles", Key: "process.roles", Usage: "broker, controller, or broker,controller (process.roles)"},
		{Name: "listeners", Key: "listeners", Usage: "addresses to listen on, NAME://host:port,... (listeners)"},
		{Name: "advertised-listeners", Key: "advertised.listeners", Usage: "addresses clients are told to connect to, NAME://host:port,...; defaults to --listeners (advertised.listeners)"},
		{Name: "controller-quorum-voters", Key: "controller.quorum.voters", Usage: "the controller quorum, id@host:port,... (controller.quorum.voters)"},
		{Name: "controller-quorum-bootstrap-servers", Key: "controller.quorum.bootstrap.servers", Usage: "host:port,... to discover the controller quorum from, instead of fixed voters (controller.quorum.bootstrap.servers)"},
		{Name: "log-dirs", Key: "log.dirs", Usage: "data directories, comma-separated (log.dirs)"},
		{Name: "http-listener", Key: "http.listener", Usage: "host:port of /healthz, /readyz and /metrics; empty turns them off"},
		{Name: "cluster-id", Key: "cluster.id", Usage: "cluster id to format empty log dirs with (generate one with: skiff storage random-uuid)"},
	}
	for i := range flags {
		flags[i].Env = envForFlag(flags[i].Name)
	}
	return flags
}

func envForFlag(name string) string {
	return "SKIFF_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// ConfigFileEnv names the properties file when --config is not given.
const ConfigFileEnv = "SKIFF_CONFIG"

// LoadArgs are the inputs of Load. Everything is passed in, so tests cover
// every source without touching the process.
type LoadArgs struct {
	// ConfigFile is --config: a Kafka server.properties file. Empty: the
	// file named by SKIFF_CONFIG, if any.
	ConfigFile string
	// Flags are the flags given on the command line, by Flag.Name.
	Flags map[string]string
	// Overrides are --override key=value, in order (later wins).
	Overrides []string
	// Env is the environment as os.Environ returns it.
	Env []string
	// ReadFile reads ConfigFile; nil means os.ReadFile.
	ReadFile func(string) ([]byte, error)
	// Hostname names this machine for advertised listeners without a host;
	// nil means os.Hostname.
	Hostname func() (string, error)
}

// Warning is something the operator should know that does not stop the
// node: an unknown key, a key Skiff ignores.
type Warning struct {
	Key     string
	Source  string
	Message string
}

func (w Warning) String() string {
	if w.Source == "" {
		return w.Key + ": " + w.Message
	}
	return fmt.Sprintf("%s (from %s): %s", w.Key, w.Source, w.Message)
}

// setting is one key's value and where it came from.
type setting struct {
	value  string
	source string
}

// Load builds the node's Config. Sources, highest first: --override, flags,
// the environment (SKIFF_<FLAG>, then KAFKA_CFG_<KEY>, then Apache-image
// KAFKA_<KEY>), the --config properties file, the defaults. Unknown keys
// and keys Skiff ignores become warnings; an invalid value or an
// inconsistent whole is a *ConfigError naming key, value, source and why.
func Load(args LoadArgs) (Config, []Warning, error) {
	settings := map[string]setting{}
	env := envMap(args.Env)

	file := args.ConfigFile
	if file == "" {
		file = env[ConfigFileEnv]
	}
	if file != "" {
		if err := loadFile(file, args.ReadFile, settings); err != nil {
			return Config{}, nil, err
		}
	}
	loadEnv(env, settings)
	if err := loadFlags(args.Flags, settings); err != nil {
		return Config{}, nil, err
	}
	if err := loadOverrides(args.Overrides, settings); err != nil {
		return Config{}, nil, err
	}

	props, warnings, err := checkKeys(settings)
	if err != nil {
		return Config{}, warnings, err
	}
	hostname := args.Hostname
	if hostname == nil {
		hostname = os.Hostname
	}
	cfg, err := fromProps(props, hostname)
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		return Config{}, warnings, withSource(err, settings)
	}
	return cfg, append(warnings, lint(cfg)...), nil
}

func loadFile(path string, read func(string) ([]byte, error), settings map[string]setting) error {
	if read == nil {
		read = os.ReadFile
	}
	data, err := read(path)
	if err != nil {
		return fmt.Errorf("read config file %s: %w", path, err)
	}
	props, err := metaprops.ParseProperties(data)
	if err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	for _, p := range props {
		settings[p.Key] = setting{value: p.Value, source: fmt.Sprintf("%s:%d", path, p.Line)}
	}
	return nil
}

func loadFlags(flags map[string]string, settings map[string]setting) error {
	byName := map[string]Flag{}
	for _, f := range Flags() {
		byName[f.Name] = f
	}
	for _, name := range slices.Sorted(maps.Keys(flags)) {
		f, ok := byName[name]
		if !ok {
			return fmt.Errorf("unknown server flag --%s", name)
		}
		settings[f.Key] = setting{value: flags[name], source: "flag --" + name}
	}
	return nil
}

func loadOverrides(overrides []string, settings map[string]setting) error {
	for _, o := range overrides {
		key, value, ok := strings.Cut(o, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return &ConfigError{Key: "--override", Value: o, Reason: "must look like key=value, e.g. --override num.partitions=3"}
		}
		settings[key] = setting{value: value, source: "--override"}
	}
	return nil
}

// checkKeys validates every setting against the catalogue: unknown keys
// and ignored keys are warnings, invalid values an error.
func checkKeys(settings map[string]setting) (map[string]string, []Warning, error) {
	props := map[string]string{}
	var warnings []Warning
	for _, key := range slices.Sorted(maps.Keys(settings)) {
		s := settings[key]
		d, ok := kconfig.BrokerDef(key)
		if !ok {
			warnings = append(warnings, Warning{Key: key, Source: s.source, Message: "unknown broker config key; ignored"})
			continue
		}
		if err := d.Validate(s.value); err != nil {
			value := s.value
			if d.Sensitive {
				value = "[hidden]"
			}
			return nil, warnings, &ConfigError{Key: key, Value: value, Source: s.source, Reason: reasonOf(err), Err: err}
		}
		if d.Unused != "" {
			warnings = append(warnings, Warning{Key: key, Source: s.source, Message: d.Unused})
		}
		props[key] = s.value
	}
	return props, warnings, nil
}

// withSource adds where the offending value came from to a *ConfigError.
func withSource(err error, settings map[string]setting) error {
	var ce *ConfigError
	if errors.As(err, &ce) && ce.Source == "" {
		if s, ok := settings[ce.Key]; ok {
			ce.Source = s.source
		} else {
			ce.Source = "default"
		}
	}
	return err
}

// lint warns about configurations that start but probably do not work as
// meant.
func lint(c Config) []Warning {
	var warnings []Warning
	if v, ok := c.LocalVoter(); ok && c.IsController() {
		if !slices.ContainsFunc(c.ControllerListeners(), func(l Listener) bool { return l.Port == v.Port || l.Port == 0 }) {
			warnings = append(warnings, Warning{Key: "controller.quorum.voters",
				Message: fmt.Sprintf("this node's voter entry %s uses port %d, but no controller listener listens on it (%s)",
					v, v.Port, listenersValue(c.ControllerListeners()))})
		}
	}
	for _, l := range c.ClientListeners() {
		if a, ok := c.AdvertisedListener(l.Name); ok && l.isWildcard() && isLoopback(a.Host) {
			warnings = append(warnings, Warning{Key: "advertised.listeners",
				Message: fmt.Sprintf("listener %s binds every interface but is advertised as %s: clients on other machines "+
					"or in other containers would be sent to their own localhost", l, a)})
		}
	}
	if len(c.ControllerQuorumVoters) > 1 {
		for _, a := range c.AdvertisedListeners {
			if isLoopback(a.Host) {
				warnings = append(warnings, Warning{Key: "advertised.listeners",
					Message: fmt.Sprintf("%s is a loopback address in a multi-node cluster: other nodes and remote clients cannot reach it", a)})
			}
		}
	}
	return warnings
}
