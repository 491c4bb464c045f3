package cli

import (
	"reflect"
	"testing"

	"github.com/spf13/pflag"
)

func TestGlueOptional(t *testing.T) {
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	fs.StringP("elevated", "e", "", "")
	fs.Lookup("elevated").NoOptDefVal = "all"
	fs.StringP("name", "n", "", "")
	fs.BoolP("quiet", "q", false, "")
	fs.StringArrayP("set-var", "v", nil, "")
	for _, c := range []struct {
		in, want []string
		noInter  bool
	}{
		{[]string{"-eCAP"}, []string{"-e=CAP"}, false},
		{[]string{"-e", "CAP"}, []string{"-e", "CAP"}, false},
		{[]string{"-e=CAP"}, []string{"-e=CAP"}, false},
		{[]string{"-qeCAP|CGROUP"}, []string{"-qe=CAP|CGROUP"}, false},
		{[]string{"-n", "-eX", "-eY"}, []string{"-n", "-eX", "-e=Y"}, false},
		{[]string{"-v", "-eA=b"}, []string{"-v", "-eA=b"}, false},
		{[]string{"--name", "-eX"}, []string{"--name", "-eX"}, false},
		{[]string{"-nfoo", "-eX"}, []string{"-nfoo", "-e=X"}, false},
		{[]string{"c1", "-eX"}, []string{"c1", "-e=X"}, false},
		{[]string{"c1", "-eX"}, []string{"c1", "-eX"}, true},
		{[]string{"--", "-eX"}, []string{"--", "-eX"}, false},
	} {
		if got := glueOptional(fs, c.in, c.noInter); !reflect.DeepEqual(got, c.want) {
			t.Errorf("glueOptional(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
