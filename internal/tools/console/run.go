package consoletool

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/golxc/golxc/internal/cli"
	"github.com/golxc/golxc/internal/ctl"
	"github.com/golxc/golxc/internal/quote"
	"github.com/golxc/golxc/internal/terminal"
)

var opts struct {
	tty    string
	escape string
}

func flags(f *pflag.FlagSet) {
	f.StringVarP(&opts.tty, "tty", "t", "-1", "console tty number")
	f.StringVarP(&opts.escape, "escape", "e", "a", "prefix for escape command")
}

// escapeCode parses -e as LXC does: "^x" or "x" gives Ctrl-x; an upper
// case letter yields a negative code, which disables the escape.
func escapeCode(s string) (int, error) {
	if len(s) == 2 && s[0] == '^' {
		s = s[1:]
	}
	if len(s) != 1 {
		return 0, fmt.Errorf("invalid escape prefix %s", quote.Short(s))
	}
	return int(s[0]) - 'a' + 1, nil
}

func run(x *cli.Ctx) error {
	ttyNum, err := strconv.Atoi(opts.tty)
	if err != nil {
		x.Plainf("%s: could not parse command line", x.Tool.Name)
		return cli.Exit(1)
	}
	esc, err := escapeCode(opts.escape)
	if err != nil {
		x.Plainf("%s: could not parse command line", x.Tool.Name)
		return cli.Exit(1)
	}
	c, err := ctl.Dial(x.LXCPath, x.Name)
	if err != nil {
		return x.Errorf("%s is not running", x.Name)
	}
	defer c.Close()
	resp, files, err := c.Call(ctl.Request{Cmd: ctl.CmdConsole, TTY: ttyNum})
	if err != nil {
		return x.Errorf("Failed to get tty %d of %s: %v", ttyNum, x.Name, err)
	}
	if len(files) == 0 {
		return x.Errorf("Failed to get tty %d of %s", ttyNum, x.Name)
	}
	stream, master := files[0], files[0]
	if len(files) > 1 {
		master = files[1]
	}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	if !x.Quiet {
		letter := 'a' + rune(esc) - 1
		fmt.Fprintf(x.Stderr, "\nConnected to tty %d\nType <Ctrl+%c q> to exit the console, <Ctrl+%c Ctrl+%c> to enter Ctrl+%c itself\n", resp.TTY, letter, letter, letter, letter)
	}
	if terminal.IsTerminal(os.Stdin) {
		restore, err := terminal.MakeRaw(os.Stdin)
		if err == nil {
			defer restore()
		}
		resize := func() {
			if rows, cols, err := terminal.GetSize(os.Stdin); err == nil {
				terminal.SetSize(master, rows, cols)
			}
		}
		resize()
		winch := make(chan os.Signal, 1)
		signal.Notify(winch, syscall.SIGWINCH)
		defer signal.Stop(winch)
		go func() {
			for range winch {
				resize()
			}
		}()
	}
	done := make(chan struct{}, 2)
	go func() {
		buf := make([]byte, 32*1024)
		for {
			n, err := stream.Read(buf)
			if n > 0 {
				os.Stdout.Write(buf[:n])
			}
			if err != nil {
				break
			}
		}
		done <- struct{}{}
	}()
	go func() {
		relayInput(os.Stdin, stream, esc)
		done <- struct{}{}
	}()
	<-done
	return nil
}

// relayInput copies in to out until prefix+q. The prefix followed by any
// other byte sends that byte; typing the prefix twice sends it once.
func relayInput(in *os.File, out *os.File, esc int) {
	buf := make([]byte, 1024)
	sawEsc := false
	for {
		n, err := in.Read(buf)
		if n > 0 {
			var send []byte
			for _, b := range buf[:n] {
				switch {
				case sawEsc && b == 'q':
					if len(send) > 0 {
						out.Write(send)
					}
					return
				case sawEsc:
					sawEsc = false
					send = append(send, b)
				case esc > 0 && int(b) == esc:
					sawEsc = true
				default:
					send = append(send, b)
				}
			}
			if len(send) > 0 {
				if _, err := out.Write(send); err != nil {
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}
