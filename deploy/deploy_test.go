// Package deploy holds deployment examples; its test checks that they parse
// and keep the promises the README makes of them.
package deploy

import (
	"bytes"
	"errors"
	"io"
	"os"
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
		Template struct {
			Spec struct {
				TerminationGracePeriodSeconds int         `yaml:"terminationGracePeriodSeconds"`
				Containers                    []container `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type container struct {
	Args []string `yaml:"args"`
	Env  []struct {
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
	Resources      struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
}

type probe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
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
		if m.Kind != "Deployment" {
			continue
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
	if kinds["Deployment"] < 2 || kinds["Service"] != 1 {
		t.Errorf("manifest has %v; want the HTTP and gateway Deployments and one Service", kinds)
	}
}
