// Package deploy holds deployment examples; its test checks that they parse
// and keep the promises the README makes of them.
package deploy

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type manifest struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		Replicas *int `yaml:"replicas"`
		Ports    []struct {
			Name       string `yaml:"name"`
			TargetPort any    `yaml:"targetPort"`
		} `yaml:"ports"`
		Template struct {
			Metadata struct {
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"metadata"`
			Spec struct {
				TerminationGracePeriodSeconds int         `yaml:"terminationGracePeriodSeconds"`
				Containers                    []container `yaml:"containers"`
				Volumes                       []struct {
					Name                  string `yaml:"name"`
					EmptyDir              any    `yaml:"emptyDir"`
					PersistentVolumeClaim *struct {
						ClaimName string `yaml:"claimName"`
					} `yaml:"persistentVolumeClaim"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type container struct {
	Args  []string `yaml:"args"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	Env []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef *struct {
				Name string `yaml:"name"`
				Key  string `yaml:"key"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	StartupProbe   *probe `yaml:"startupProbe"`
	Resources      struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
}

type probe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
}

// secrets are the variables that must never be written into a manifest.
var secrets = map[string]bool{
	"DATABASE_URL": true, "SLACK_BOT_TOKEN": true, "SLACK_SIGNING_SECRET": true, "SLACK_APP_TOKEN": true,
	"DISCORD_BOT_TOKEN": true, "DISCORD_PUBLIC_KEY": true, "DISCORD_APP_ID": true,
}

func TestKubernetesManifest(t *testing.T) {
	raw, err := os.ReadFile("kubernetes/copbot.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	kinds := map[string]int{}
	claims, claimed := map[string]bool{}, map[string]bool{}
	for {
		var m manifest
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("kubernetes/copbot.yaml is not valid YAML: %v", err)
		}
		kinds[m.Kind]++
		if m.Kind == "PersistentVolumeClaim" {
			claims[m.Metadata.Name] = true
		}
		if m.Kind == "Service" {
			for _, p := range m.Spec.Ports {
				if p.TargetPort == "admin" || p.TargetPort == 9090 {
					t.Errorf("Service %s exposes the admin port; health, metrics and profiles stay inside the cluster", m.Metadata.Name)
				}
			}
		}
		if m.Kind != "Deployment" {
			continue
		}
		for _, v := range m.Spec.Template.Spec.Volumes {
			if v.Name != "spool" {
				continue
			}
			if v.PersistentVolumeClaim == nil || v.EmptyDir != nil {
				t.Errorf("%s: the Discord spool is not on a PersistentVolumeClaim; spooled events would die with the pod", m.Metadata.Name)
			} else {
				claimed[v.PersistentVolumeClaim.ClaimName] = true
			}
		}
		if m.Spec.Replicas == nil || *m.Spec.Replicas < 1 {
			t.Errorf("%s: no replica count", m.Metadata.Name)
		}
		if m.Spec.Template.Spec.TerminationGracePeriodSeconds <= 25 {
			t.Errorf("%s: terminationGracePeriodSeconds must exceed COPBOT_SHUTDOWN_TIMEOUT (25s)", m.Metadata.Name)
		}
		for _, c := range m.Spec.Template.Spec.Containers {
			if strings.Join(c.Args, " ") != "serve" {
				t.Errorf("%s: runs %v, want serve", m.Metadata.Name, c.Args)
			}
			if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
				t.Errorf("%s: liveness probe is not GET /healthz", m.Metadata.Name)
			}
			if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
				t.Errorf("%s: readiness probe is not GET /readyz", m.Metadata.Name)
			}
			checkAdmin(t, m, c)
			if c.Resources.Requests["memory"] == "" || c.Resources.Requests["cpu"] == "" || c.Resources.Limits["memory"] == "" {
				t.Errorf("%s: resources lack cpu/memory requests or a memory limit: %+v", m.Metadata.Name, c.Resources)
			}
			sawDatabase := false
			for _, e := range c.Env {
				if secrets[e.Name] && (e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
					t.Errorf("%s: %s must come from a Secret", m.Metadata.Name, e.Name)
				}
				sawDatabase = sawDatabase || e.Name == "DATABASE_URL"
			}
			if !sawDatabase {
				t.Errorf("%s: no DATABASE_URL", m.Metadata.Name)
			}
		}
	}
	if len(claimed) == 0 {
		t.Error("no Deployment keeps a Discord spool")
	}
	for name := range claimed {
		if !claims[name] {
			t.Errorf("the spool's claim %s is not in the manifest", name)
		}
	}
	if kinds["Deployment"] < 2 || kinds["Service"] != 1 {
		t.Errorf("manifest has %v; want the HTTP and gateway Deployments and one Service", kinds)
	}
}

// checkAdmin: the container serves health, readiness and metrics on an
// admin listener (COPBOT_ADMIN_ADDR) of its own, as a port named admin;
// the probes and Prometheus's scrape go there, and profiles stay off.
func checkAdmin(t *testing.T, m manifest, c container) {
	t.Helper()
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	adminPort := 0
	for _, p := range c.Ports {
		if p.Name == "admin" {
			adminPort = p.ContainerPort
		}
	}
	addr := env["COPBOT_ADMIN_ADDR"]
	if addr == "" || adminPort == 0 || addr != ":"+strconv.Itoa(adminPort) {
		t.Errorf("%s: COPBOT_ADMIN_ADDR=%q and container port admin=%d; want the admin listener on that port", m.Metadata.Name, addr, adminPort)
	}
	if env["COPBOT_HTTP_ADDR"] == addr {
		t.Errorf("%s: the admin listener shares COPBOT_HTTP_ADDR", m.Metadata.Name)
	}
	for name, p := range map[string]*probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe, "startup": c.StartupProbe} {
		if p != nil && p.HTTPGet.Port != "admin" && p.HTTPGet.Port != adminPort {
			t.Errorf("%s: the %s probe goes to port %v, not the admin port", m.Metadata.Name, name, p.HTTPGet.Port)
		}
	}
	ann := m.Spec.Template.Metadata.Annotations
	if ann["prometheus.io/port"] != strconv.Itoa(adminPort) || ann["prometheus.io/path"] != "/metrics" {
		t.Errorf("%s: Prometheus scrapes port %q path %q; want the admin port's /metrics", m.Metadata.Name, ann["prometheus.io/port"], ann["prometheus.io/path"])
	}
	if on, _ := strconv.ParseBool(env["COPBOT_PPROF"]); on {
		t.Errorf("%s: COPBOT_PPROF is on; the example serves no profiles", m.Metadata.Name)
	}
}

// TestComposeKeepsTheSpool: the Discord spool of the compose file is on a
// named volume, so that events spooled during an outage survive the
// container.
func TestComposeKeepsTheSpool(t *testing.T) {
	raw, err := os.ReadFile("../compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
			Volumes     []string          `yaml:"volumes"`
		} `yaml:"services"`
		Volumes map[string]any `yaml:"volumes"`
	}
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("compose.yaml is not valid YAML: %v", err)
	}
	copbot := c.Services["copbot"]
	dir := copbot.Environment["COPBOT_SPOOL_DIR"]
	if dir == "" {
		t.Fatal("compose.yaml sets no COPBOT_SPOOL_DIR")
	}
	for _, v := range copbot.Volumes {
		name, path, _ := strings.Cut(v, ":")
		if path == dir {
			if _, ok := c.Volumes[name]; !ok {
				t.Fatalf("the spool's volume %q is not a named volume", name)
			}
			return
		}
	}
	t.Fatalf("no volume is mounted at COPBOT_SPOOL_DIR (%s)", dir)
}
