package main

import (
	"strings"
	"testing"
)

// TestCopbot_HelpAndUsage: -h and --help print a subcommand's usage to
// standard output with status 0; a wrong command line says what was wrong
// and the usage, with status 2. The community of export may be its argument.
func TestCopbot_HelpAndUsage(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		stdout   string
		stderr   string
	}{
		{[]string{"export", "-h"}, 0, "usage: copbot export [--community] COMMUNITY", ""},
		{[]string{"export", "console", "--help"}, 0, "-include-removed", ""},
		{[]string{"import", "-h"}, 0, "usage: copbot import", ""},
		{[]string{"discord", "register", "-h"}, 0, "-guild", ""},
		{[]string{"dev", "-h"}, 0, "usage: copbot dev: open a local console", ""},
		{[]string{"serve", "--help"}, 0, "usage: copbot serve", ""},
		{[]string{"migrate", "-h"}, 0, "usage: copbot migrate", ""},
		{[]string{"export"}, 2, "", "which community?"},
		{[]string{"export", "console", "slack:T1"}, 2, "", `unexpected arguments ["slack:T1"]`},
		{[]string{"export", "--format", "xml", "console"}, 2, "", `--format "xml": want json, md or csv`},
		{[]string{"export", "--nope"}, 2, "", "flag provided but not defined: -nope; usage: copbot export"},
		{[]string{"migrate", "now"}, 2, "", `copbot migrate takes no arguments; got ["now"]`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, errOut, code := copbot(t, "", nil, tt.args...)
			if code != tt.wantCode || !strings.Contains(out, tt.stdout) || !strings.Contains(errOut, tt.stderr) {
				t.Errorf("exit %d (want %d)\nstdout: %s(want %q)\nstderr: %s(want %q)", code, tt.wantCode, out, tt.stdout, errOut, tt.stderr)
			}
		})
	}
}
