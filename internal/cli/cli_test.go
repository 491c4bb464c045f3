package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func testTool(got *Ctx) *Tool {
	var timeout string
	return &Tool{
		Name:        "lxc-test",
		Help:        "lxc-test --name=NAME\n\nlxc-test tests\n\nOptions :\n  -n, --name=NAME   NAME of the container\n",
		WithName:    true,
		NameFromArg: true,
		RCFile:      true,
		Flags: func(f *pflag.FlagSet) {
			f.StringVarP(&timeout, "timeout", "t", "", "wait T seconds")
		},
		Run: func(x *Ctx) error { *got = *x; return nil },
	}
}

func run(t *testing.T, args ...string) (int, string, string, Ctx) {
	t.Helper()
	var got Ctx
	var out, errb bytes.Buffer
	code := Run(testTool(&got), args, &out, &errb)
	return code, out.String(), errb.String(), got
}

func TestHelpExitCodes(t *testing.T) {
	if code, out, errs, _ := run(t, "-h"); code != 0 || out != "" || !strings.HasPrefix(errs, "Usage: lxc-test --name=NAME") || !strings.Contains(errs, "Common options :") {
		t.Fatalf("-h: %d %q %q", code, out, errs)
	}
	if code, _, _, _ := run(t, "-?"); code != 1 {
		t.Fatalf("-?: exit %d, want 1", code)
	}
	if code, _, errs, _ := run(t, "--usage"); code != 0 || !strings.HasPrefix(errs, "Usage: lxc-test [-t|--timeout=TIMEOUT] [-n|--name=NAME] [-h|--help] [-?|--help] \n\t") {
		t.Fatalf("--usage: %d %q", code, errs)
	}
	if code, out, _, _ := run(t, "--version"); code != 0 || out != "5.0.2\n" {
		t.Fatalf("--version: %d %q", code, out)
	}
}

func TestUnknownOption(t *testing.T) {
	code, _, errs, _ := run(t, "--foo")
	if code != 1 || !strings.HasPrefix(errs, "lxc-test: unrecognized option '--foo'\nUsage: ") {
		t.Fatalf("%d %q", code, errs)
	}
	code, _, errs, _ = run(t, "-z")
	if code != 1 || !strings.HasPrefix(errs, "lxc-test: invalid option -- 'z'\n") {
		t.Fatalf("%d %q", code, errs)
	}
	code, _, errs, _ = run(t, "-n", "c", "-t")
	if code != 1 || !strings.HasPrefix(errs, "lxc-test: option requires an argument -- 't'\n") {
		t.Fatalf("%d %q", code, errs)
	}
}

func TestNameRules(t *testing.T) {
	code, _, errs, _ := run(t)
	if code != 1 || errs != "lxc-test: No container name specified\n" {
		t.Fatalf("%d %q", code, errs)
	}
	code, _, _, x := run(t, "c1", "-P", "/tmp/p/", "extra")
	if code != 0 || x.Name != "c1" || x.LXCPath != "/tmp/p" || len(x.Args) != 1 || x.Args[0] != "extra" {
		t.Fatalf("%d %+v", code, x)
	}
	code, _, errs, _ = run(t, "-n", "c", "-P", "/a", "-P", "/b")
	if code != 1 || !strings.Contains(errs, "only accepts 1 -P") {
		t.Fatalf("%d %q", code, errs)
	}
	code, _, _, _ = run(t, "-n", "../../etc/x")
	if code != 1 {
		t.Fatalf("bad name accepted")
	}
	code, _, _, x = run(t, "-n", "c", "--", "ls", "-l")
	if code != 0 || strings.Join(x.Args, " ") != "ls -l" {
		t.Fatalf("%d %v", code, x.Args)
	}
}
