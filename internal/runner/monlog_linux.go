package runner

import "github.com/golxc/golxc/internal/log"

// startLog is the log of a start: the file of -o/lxc.log.file at the
// priority of -l/lxc.log.level, and the system logger with
// lxc.log.syslog's facility at the same priority, as LXC's appenders.
// Errors reach the user through the start's result, not stderr.
func startLog(spec *Spec) *log.Logger {
	l := log.New(spec.Prog, spec.Name)
	l.SetQuiet(true)
	if spec.LogFile != "" || spec.Config != nil && spec.Config.LogSyslog != "" {
		l.SetLevel(log.Level(spec.LogLevel))
	}
	if spec.LogFile != "" {
		l.OpenFile(spec.LogFile)
	}
	if spec.Config != nil && spec.Config.LogSyslog != "" {
		if err := l.OpenSyslog(spec.Config.LogSyslog); err != nil {
			l.Warnf("lxc.log.syslog = %s: %v", spec.Config.LogSyslog, err)
		}
	}
	return l
}
