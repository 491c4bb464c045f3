// Package log is golxc's logger. It writes LXC's log-file format
// ("PROG NAME YYYYMMDDhhmmss.mmm LEVEL CATEGORY - file:func:line - message")
// to an optional file, and echoes ERROR and worse to stderr as
// "PROG: NAME: message", which is what LXC's tools show on a terminal.
package log

import (
	"fmt"
	"io"
	"log/syslog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golxc/golxc/internal/quote"
)

// Level is a log priority, ordered as in LXC (TRACE lowest).
type Level int

// LXC's priorities. NotSet means "not configured".
const (
	Trace Level = iota
	Debug
	Info
	Notice
	Warn
	Error
	Crit
	Alert
	Fatal
	NotSet
)

var levelNames = [...]string{"TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "CRIT", "ALERT", "FATAL", "NOTSET"}

func (l Level) String() string {
	if l < 0 || int(l) >= len(levelNames) {
		return "NOTSET"
	}
	return levelNames[l]
}

// ParseLevel accepts a level name (case-insensitive, as LXC) or its number 0-8.
// Anything else gives NotSet and false.
func ParseLevel(s string) (Level, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		if n >= 0 && n <= int(Fatal) {
			return Level(n), true
		}
		return NotSet, false
	}
	u := strings.ToUpper(s)
	if u == "WARNING" {
		return Warn, true
	}
	for i, name := range levelNames[:NotSet] {
		if u == name {
			return Level(i), true
		}
	}
	return NotSet, false
}

// Logger is safe for concurrent use.
type Logger struct {
	mu       sync.Mutex
	prog     string
	name     string
	level    Level
	file     io.WriteCloser
	stderr   io.Writer
	quiet    bool
	category string
	syslog   *syslog.Writer
}

// New returns a logger for program prog (e.g. "lxc-start") and container name
// (may be empty). By default nothing goes to a file and errors go to stderr.
func New(prog, name string) *Logger {
	return &Logger{prog: prog, name: name, level: Error, stderr: os.Stderr, category: strings.TrimPrefix(prog, "lxc-")}
}

// Discard is a logger that writes nothing anywhere.
func Discard() *Logger { return &Logger{level: NotSet, quiet: true} }

// SetName changes the container name shown in messages.
func (l *Logger) SetName(name string) {
	l.mu.Lock()
	l.name = name
	l.mu.Unlock()
}

// SetQuiet suppresses the stderr echo.
func (l *Logger) SetQuiet(q bool) {
	l.mu.Lock()
	l.quiet = q
	l.mu.Unlock()
}

// SetStderr redirects the stderr echo (used by tests and the monitor).
func (l *Logger) SetStderr(w io.Writer) {
	l.mu.Lock()
	l.stderr = w
	l.mu.Unlock()
}

// SetLevel sets the file priority.
func (l *Logger) SetLevel(lv Level) {
	l.mu.Lock()
	l.level = lv
	l.mu.Unlock()
}

// Level returns the current file priority.
func (l *Logger) Level() Level {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.level
}

// OpenFile appends the log to path, creating parent directories as LXC does.
// The file is opened with O_NOFOLLOW so a symlink planted at the log path
// cannot redirect our writes (Incus CVE-2026-48750 class).
func (l *Logger) OpenFile(path string) error {
	if path == "" || path == "none" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create log directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|openNoFollow, 0o640)
	if err != nil {
		return fmt.Errorf("open log file %s: %w", path, err)
	}
	l.mu.Lock()
	if l.file != nil {
		l.file.Close()
	}
	l.file = f
	l.mu.Unlock()
	return nil
}

// SyslogFacilities are lxc.log.syslog's values.
var SyslogFacilities = map[string]syslog.Priority{
	"daemon": syslog.LOG_DAEMON, "local0": syslog.LOG_LOCAL0, "local1": syslog.LOG_LOCAL1,
	"local2": syslog.LOG_LOCAL2, "local3": syslog.LOG_LOCAL3, "local4": syslog.LOG_LOCAL4,
	"local5": syslog.LOG_LOCAL5, "local6": syslog.LOG_LOCAL6, "local7": syslog.LOG_LOCAL7,
}

// OpenSyslog also sends the log (what passes the level, as the file log)
// to the system logger with facility (lxc.log.syslog), tagged "lxc" as
// LXC's syslog appender does.
func (l *Logger) OpenSyslog(facility string) error {
	f, ok := SyslogFacilities[strings.ToLower(facility)]
	if !ok {
		return fmt.Errorf("invalid syslog facility %q", facility)
	}
	w, err := syslog.New(f|syslog.LOG_INFO, "lxc")
	if err != nil {
		return fmt.Errorf("connect to syslog: %w", err)
	}
	l.mu.Lock()
	if l.syslog != nil {
		l.syslog.Close()
	}
	l.syslog = w
	l.mu.Unlock()
	return nil
}

// SetWriter sends the file log to w (for example a pipe to the monitor).
func (l *Logger) SetWriter(w io.WriteCloser) {
	l.mu.Lock()
	l.file = w
	l.mu.Unlock()
}

// HasFile reports whether a log file is open.
func (l *Logger) HasFile() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.file != nil
}

// Close closes the log file.
func (l *Logger) Close() {
	l.mu.Lock()
	if l.file != nil {
		l.file.Close()
		l.file = nil
	}
	if l.syslog != nil {
		l.syslog.Close()
		l.syslog = nil
	}
	l.mu.Unlock()
}

func (l *Logger) logf(depth int, lv Level, format string, args ...any) {
	if l == nil {
		return
	}
	// Errors quote input with quote.Short; this catches any that does
	// not, so no message echoes a huge value whole.
	msg := quote.Cap(fmt.Sprintf(format, args...))
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.file != nil && l.level != NotSet && lv >= l.level {
		file, fn, line := "?", "?", 0
		if pc, f, ln, ok := runtime.Caller(depth); ok {
			file, line = filepath.Base(f), ln
			if rf := runtime.FuncForPC(pc); rf != nil {
				fn = rf.Name()
				if i := strings.LastIndexByte(fn, '.'); i >= 0 {
					fn = fn[i+1:]
				}
			}
		}
		ts := time.Now().UTC().Format("20060102150405.000")
		name := l.name
		fmt.Fprintf(l.file, "%s %s %s %-8s %s - %s:%s:%d - %s\n", l.prog, name, ts, lv, l.category, file, fn, line, msg)
	}
	if l.syslog != nil && l.level != NotSet && lv >= l.level {
		l.toSyslog(lv, fmt.Sprintf("%s %s - %s", l.name, l.category, msg))
	}
	if lv >= Error && !l.quiet && l.stderr != nil {
		if l.name != "" {
			fmt.Fprintf(l.stderr, "%s: %s: %s\n", l.prog, l.name, msg)
		} else {
			fmt.Fprintf(l.stderr, "%s: %s\n", l.prog, msg)
		}
	}
}

// Tracef logs at TRACE.
func (l *Logger) Tracef(format string, args ...any) { l.logf(2, Trace, format, args...) }

// Debugf logs at DEBUG.
func (l *Logger) Debugf(format string, args ...any) { l.logf(2, Debug, format, args...) }

// Infof logs at INFO.
func (l *Logger) Infof(format string, args ...any) { l.logf(2, Info, format, args...) }

// Noticef logs at NOTICE.
func (l *Logger) Noticef(format string, args ...any) { l.logf(2, Notice, format, args...) }

// Warnf logs at WARN.
func (l *Logger) Warnf(format string, args ...any) { l.logf(2, Warn, format, args...) }

// Errorf logs at ERROR (and echoes to stderr).
func (l *Logger) Errorf(format string, args ...any) { l.logf(2, Error, format, args...) }

// toSyslog writes one message at the syslog severity of lv.
func (l *Logger) toSyslog(lv Level, m string) {
	switch {
	case lv >= Fatal:
		l.syslog.Emerg(m)
	case lv >= Alert:
		l.syslog.Alert(m)
	case lv >= Crit:
		l.syslog.Crit(m)
	case lv >= Error:
		l.syslog.Err(m)
	case lv >= Warn:
		l.syslog.Warning(m)
	case lv >= Notice:
		l.syslog.Notice(m)
	case lv >= Info:
		l.syslog.Info(m)
	default:
		l.syslog.Debug(m)
	}
}
