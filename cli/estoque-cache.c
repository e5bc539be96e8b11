/*-------------------------------------------------------------------------
 *
 * estoque-cache.c
 *	  Operators' command-line tool for the estoque_cache extension.
 *
 * The tool is a small libpq client.  Each command calls one or two of the
 * extension's public SQL functions and prints the answer for a person
 * (aligned tables, an indented "key: value" report, a progress bar while
 * the cache is rebuilt) or, where asked, as JSON for a program:
 *
 *    inicializar  estoque_cache_rebuild()       rebuild the whole cache
 *    atualizar    estoque_cache_refresh(code)   repair one group, or all
 *    status       estoque_cache_status()        state of the cache
 *    verificar    estoque_cache_verify(code)    compare cache and sources
 *    produto      estoque_cache_produto(code)   one group's figures, and
 *                 estoque_cache_projecao(code)  its projection
 *
 * The functions are looked up in the schema the extension was created in
 * and are always called schema-qualified, so the session's search_path can
 * neither hide them nor put other functions in their place.  A product
 * code typed by the operator only ever travels as a query parameter.
 *
 * A code given to atualizar, verificar or produto must be one the cache
 * knows (estoque_cache_produto() is not NULL for it); otherwise the tool
 * says so instead of reporting "0 rows fixed" or "exact".
 *
 * status, verificar and produto write nothing themselves, so they also run
 * on a hot standby; status and produto run in one read-only transaction.
 * inicializar and atualizar write the cache: on a standby they stop with a
 * clear message before calling anything.
 *
 * Exit status: 0 success; 1 differences found (verificar) or unknown
 * product code (atualizar, verificar, produto); 2 usage error; 3
 * connection or server error, or a writing command run on a standby.
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "catalog/pg_type_d.h"
#include "libpq-fe.h"

#define ESTOQUE_CACHE_VERSION "1.1"

/* Exit status, as documented in --help */
#define EXIT_OK          0
#define EXIT_DIFFERENCES 1 /* verificar found rows; unknown product code */
#define EXIT_USAGE       2
#define EXIT_SERVER      3 /* connection or server error; standby */

/* Terminal escape sequences, used only when the output is a terminal */
#define ANSI_RED       "\033[31m"
#define ANSI_GREEN     "\033[32m"
#define ANSI_YELLOW    "\033[33m"
#define ANSI_BOLD      "\033[1m"
#define ANSI_RESET     "\033[0m"
#define ANSI_CLEAR_EOL "\033[K"

#define PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))
#define NORETURN               __attribute__((noreturn))

/* Options that only some commands accept, as bits of a mask */
#define OPT_YES     0x01
#define OPT_PRODUTO 0x02
#define OPT_JSON    0x04

/* getopt_long codes of the options that have no short form */
enum
{
	LONGOPT_NO_COLOR = 256,
	LONGOPT_PRODUTO,
	LONGOPT_JSON,
	LONGOPT_HELP
};

/* Whether to ask for a password: like PostgreSQL's own clients */
typedef enum PasswordPrompt
{
	PROMPT_DEFAULT, /* only when the server asks for one */
	PROMPT_NEVER,   /* -w */
	PROMPT_ALWAYS   /* -W */
} PasswordPrompt;

/* Everything the command line said */
typedef struct Options
{
	const char    *dbname;   /* -d: database name, conninfo string or URI */
	const char    *host;     /* -h */
	const char    *port;     /* -p */
	const char    *username; /* -U */
	PasswordPrompt prompt_password;
	bool           yes;      /* --sim / --yes */
	bool           json;     /* --json */
	bool           verbose;  /* --verbose */
	bool           no_color; /* --no-color */
	const char    *produto;  /* --produto, or the argument of "produto" */
	int            given;    /* OPT_* bits of the options given */
} Options;

/* What a command does to the database, which decides where it may run */
typedef enum CommandAccess
{
	ACCESS_READ,   /* reads only: one read-only transaction, any server */
	ACCESS_VERIFY, /* reads, and the server logs the call where it can */
	ACCESS_WRITE   /* writes the cache: the primary only */
} CommandAccess;

/* One command: its name, what it accepts and the function that runs it */
typedef struct CommandInfo
{
	const char   *name;
	int           accepts;    /* OPT_* bits valid with this command */
	bool          needs_code; /* takes a product code as its argument */
	CommandAccess access;
	int (*run)(PGconn *conn, const Options *opts);
} CommandInfo;

static int cmd_inicializar(PGconn *conn, const Options *opts);
static int cmd_atualizar(PGconn *conn, const Options *opts);
static int cmd_status(PGconn *conn, const Options *opts);
static int cmd_verificar(PGconn *conn, const Options *opts);
static int cmd_produto(PGconn *conn, const Options *opts);

static const CommandInfo commands[] = {
	{"inicializar", OPT_YES, false, ACCESS_WRITE, cmd_inicializar},
	{"atualizar", OPT_PRODUTO, false, ACCESS_WRITE, cmd_atualizar},
	{"status", OPT_JSON, false, ACCESS_READ, cmd_status},
	{"verificar", OPT_PRODUTO, false, ACCESS_VERIFY, cmd_verificar},
	{"produto", 0, true, ACCESS_READ, cmd_produto},
	{NULL, 0, false, ACCESS_READ, NULL}};

/* Callback choosing a colour for one cell of a table, or NULL for none */
typedef const char *(*CellColorFunc)(const PGresult *res, int row, int col);

static const char *progname = "estoque-cache";

/* Output settings, fixed once the options are known */
static bool color_stdout = false; /* colour what goes to stdout */
static bool progress_bar = false; /* draw a progress bar on stderr */
static bool verbose = false;      /* progress as plain lines */

/* A progress bar is on the current stderr line and must be cleared */
static bool bar_on_screen = false;

/* Quoted name of the extension's schema, to qualify function names */
static char *ext_schema = NULL;

/* The server is a hot standby (pg_is_in_recovery()) */
static bool server_in_recovery = false;

/* What the SIGINT handler needs to cancel a running query */
static PGcancel *volatile cancel_handle = NULL;
static volatile sig_atomic_t query_running = 0;

/*
 * Flatten a jsonb document into one row per value, in reading order, so
 * the report can be printed without parsing JSON here: the server walks
 * the document.  Each row gives the depth, the key (NULL for an array
 * element), whether it is an array element, and the value as text --
 * NULL for a non-empty object or array, whose members follow.  Object
 * keys come in byte order, array elements in their own order.
 */
static const char *const flatten_json_sql =
	"WITH RECURSIVE node(path, depth, key, in_array, typ, val) AS (\n"
	"    SELECT ARRAY[]::pg_catalog.int8[], -1, NULL::pg_catalog.text,\n"
	"           false, pg_catalog.jsonb_typeof(d.doc), d.doc\n"
	"    FROM (SELECT $1::pg_catalog.jsonb AS doc) AS d\n"
	"  UNION ALL\n"
	"    SELECT n.path || c.ord, n.depth + 1, c.key, c.in_array,\n"
	"           pg_catalog.jsonb_typeof(c.val), c.val\n"
	"    FROM node AS n\n"
	"    CROSS JOIN LATERAL (\n"
	"        SELECT e.key, false, e.value,\n"
	"               pg_catalog.row_number() OVER (ORDER BY e.key COLLATE "
	"\"C\")\n"
	"        FROM pg_catalog.jsonb_each(\n"
	"                 CASE WHEN n.typ = 'object' THEN n.val END) AS e\n"
	"      UNION ALL\n"
	"        SELECT NULL, true, a.value, a.ord\n"
	"        FROM pg_catalog.jsonb_array_elements(\n"
	"                 CASE WHEN n.typ = 'array' THEN n.val END)\n"
	"             WITH ORDINALITY AS a(value, ord)\n"
	"    ) AS c(key, in_array, val, ord)\n"
	")\n"
	"SELECT depth, key, in_array,\n"
	"       CASE typ\n"
	"           WHEN 'object' THEN CASE WHEN val = '{}' THEN '{}' END\n"
	"           WHEN 'array' THEN CASE WHEN val = '[]' THEN '[]' END\n"
	"           WHEN 'string' THEN val OPERATOR(pg_catalog.#>>) '{}'\n"
	"           ELSE val::pg_catalog.text\n"
	"       END\n"
	"FROM node WHERE depth >= 0 ORDER BY path";

/*
 * Memory and string helpers.  Running out of memory ends the program: a
 * command-line tool has nothing better to do.
 */
static void *
xmalloc(size_t size)
{
	void *p = malloc(size > 0 ? size : 1);

	if (p == NULL)
	{
		fprintf(stderr, "%s: out of memory\n", progname);
		exit(EXIT_SERVER);
	}
	return p;
}

static char *psprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Format into a freshly allocated string */
static char *
psprintf(const char *fmt, ...)
{
	va_list ap;
	int     len;
	char   *buf;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
	{
		fprintf(stderr, "%s: could not format a message\n", progname);
		exit(EXIT_SERVER);
	}
	buf = xmalloc((size_t) len + 1);
	va_start(ap, fmt);
	vsnprintf(buf, (size_t) len + 1, fmt, ap);
	va_end(ap);
	return buf;
}

/*
 * Number of characters a UTF-8 string shows on the screen: its bytes that
 * are not continuation bytes.  Good enough to align accented Portuguese.
 */
static int
display_width(const char *s)
{
	int width = 0;

	for (; *s; s++)
		if (((unsigned char) *s & 0xC0) != 0x80)
			width++;
	return width;
}

/* Print at most maxchars characters of a UTF-8 string */
static void
fput_prefix(const char *s, int maxchars, FILE *out)
{
	const char *end = s;
	int         chars = 0;

	while (*end)
	{
		if (((unsigned char) *end & 0xC0) != 0x80 && chars++ == maxchars)
			break;
		end++;
	}
	fwrite(s, 1, (size_t) (end - s), out);
}

/* Length of a message without its trailing newlines */
static int
trimmed_length(const char *msg)
{
	size_t len = strlen(msg);

	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		len--;
	return (int) len;
}

/*
 * Messages.  Everything for the operator that is not the command's result
 * goes to stderr, after clearing a progress bar that may be on screen.
 */
static void
end_progress_line(void)
{
	if (bar_on_screen)
	{
		fputs("\r" ANSI_CLEAR_EOL, stderr);
		bar_on_screen = false;
	}
}

static void log_error(const char *fmt, ...) PRINTF_LIKE(1, 2);

static void
log_error(const char *fmt, ...)
{
	va_list ap;

	end_progress_line();
	fprintf(stderr, "%s: error: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage_error(const char *fmt, ...) PRINTF_LIKE(1, 2) NORETURN;

/* Complain about the command line and exit with the usage status */
static void
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: error: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry \"%s --help\" for more information.\n", progname);
	exit(EXIT_USAGE);
}

static void exit_nicely(PGconn *conn, int status) NORETURN;

static void
exit_nicely(PGconn *conn, int status)
{
	end_progress_line();
	if (cancel_handle != NULL)
	{
		PGcancel *cancel = cancel_handle;

		cancel_handle = NULL;
		PQfreeCancel(cancel);
	}
	if (conn != NULL)
		PQfinish(conn);
	exit(status);
}

static void
usage(void)
{
	printf(
		"%s rebuilds, repairs, verifies and reports on the stock cache kept\n"
		"by the estoque_cache extension in a PostgreSQL database.\n\n",
		progname);
	printf("Usage:\n");
	printf("  %s [OPTION]... COMMAND [CODE]\n\n", progname);
	printf("Commands:\n");
	printf("  inicializar [--sim|--yes]   rebuild the whole cache from the "
		   "sources\n");
	printf("  atualizar [--produto CODE]  repair the figures that differ "
		   "from the\n"
		   "                              sources (one product's group, or "
		   "all)\n");
	printf("  status [--json]             show the state of the cache\n");
	printf("  verificar [--produto CODE]  compare the cache with the "
		   "sources\n");
	printf("  produto CODE                show a product's figures and its "
		   "projection\n");
	printf("\nCommand options:\n");
	printf("  -y, --sim, --yes          rebuild without asking for "
		   "confirmation\n");
	printf("      --produto=CODE        only the group of product CODE (any "
		   "of its codes)\n");
	printf("      --json                print the status as one JSON "
		   "document\n");
	printf("  -v, --verbose             report rebuild progress as plain "
		   "lines when\n"
		   "                            stderr is not a terminal\n");
	printf("\nConnection options:\n");
	printf("  -d, --dbname=CONNINFO     database name, connection string or "
		   "URI\n");
	printf("  -h, --host=HOSTNAME       database server host or socket "
		   "directory\n");
	printf("  -p, --port=PORT           database server port\n");
	printf("  -U, --username=USERNAME   user name to connect as\n");
	printf("  -w, --no-password         never prompt for password\n");
	printf("  -W, --password            force password prompt\n");
	printf("\nOther options:\n");
	printf("      --no-color            never colour the output\n");
	printf("  -V, --version             output version information, then "
		   "exit\n");
	printf("  -?, --help                show this help, then exit\n");
	printf("\nWhatever the options leave out comes from the environment as "
		   "in psql\n"
		   "(PGHOST, PGPORT, PGDATABASE, PGUSER, ~/.pgpass, ...).\n");
	printf("\nOn a terminal, inicializar asks for confirmation (an answer "
		   "other than s/sim\n"
		   "changes nothing) and shows a progress bar; elsewhere it needs "
		   "--yes.\n"
		   "Colours are used only when stdout is a terminal (and neither "
		   "--no-color\n"
		   "nor NO_COLOR is set).\n");
	printf("\nstatus, verificar and produto write nothing and also run on a "
		   "hot standby;\n"
		   "inicializar and atualizar need the primary.\n");
	printf("\nExit status:\n");
	printf("  0  success\n");
	printf("  1  verificar found differences, or the product code is "
		   "unknown to the cache\n");
	printf("  2  usage error\n");
	printf("  3  connection or server error, or inicializar/atualizar on a "
		   "standby\n");
}

/*
 * Read the command line.  Options may come before or after the command.
 * Returns the command to run; anything wrong ends the program with
 * EXIT_USAGE.
 */
static const CommandInfo *
parse_options(int argc, char **argv, Options *opts)
{
	static const struct option long_options[] = {
		{"dbname", required_argument, NULL, 'd'},
		{"host", required_argument, NULL, 'h'},
		{"port", required_argument, NULL, 'p'},
		{"username", required_argument, NULL, 'U'},
		{"no-password", no_argument, NULL, 'w'},
		{"password", no_argument, NULL, 'W'},
		{"sim", no_argument, NULL, 'y'},
		{"yes", no_argument, NULL, 'y'},
		{"verbose", no_argument, NULL, 'v'},
		{"version", no_argument, NULL, 'V'},
		{"no-color", no_argument, NULL, LONGOPT_NO_COLOR},
		{"produto", required_argument, NULL, LONGOPT_PRODUTO},
		{"json", no_argument, NULL, LONGOPT_JSON},
		{"help", no_argument, NULL, LONGOPT_HELP},
		{NULL, 0, NULL, 0}};
	const CommandInfo *cmd;
	int                c;

	memset(opts, 0, sizeof(*opts));
	opts->prompt_password = PROMPT_DEFAULT;

	/* "-?" is also what getopt returns on errors, so look for it first */
	if (argc > 1 && strcmp(argv[1], "-?") == 0)
	{
		usage();
		exit(EXIT_OK);
	}

	while ((c = getopt_long(argc, argv, "d:h:p:U:wWyvV", long_options,
							NULL)) != -1)
	{
		switch (c)
		{
			case 'd':
				opts->dbname = optarg;
				break;
			case 'h':
				opts->host = optarg;
				break;
			case 'p':
				opts->port = optarg;
				break;
			case 'U':
				opts->username = optarg;
				break;
			case 'w':
				opts->prompt_password = PROMPT_NEVER;
				break;
			case 'W':
				opts->prompt_password = PROMPT_ALWAYS;
				break;
			case 'y':
				opts->yes = true;
				opts->given |= OPT_YES;
				break;
			case 'v':
				opts->verbose = true;
				break;
			case 'V':
				printf("%s (estoque_cache) %s\n", progname,
					   ESTOQUE_CACHE_VERSION);
				exit(EXIT_OK);
			case LONGOPT_NO_COLOR:
				opts->no_color = true;
				break;
			case LONGOPT_PRODUTO:
				if (optarg[0] == '\0')
					usage_error("--produto needs a non-empty product code");
				opts->produto = optarg;
				opts->given |= OPT_PRODUTO;
				break;
			case LONGOPT_JSON:
				opts->json = true;
				opts->given |= OPT_JSON;
				break;
			case LONGOPT_HELP:
				usage();
				exit(EXIT_OK);
			default:
				/* getopt_long has already said what is wrong */
				fprintf(stderr, "Try \"%s --help\" for more information.\n",
						progname);
				exit(EXIT_USAGE);
		}
	}

	if (optind >= argc)
		usage_error("no command given");

	for (cmd = commands; cmd->name != NULL; cmd++)
		if (strcmp(cmd->name, argv[optind]) == 0)
			break;
	if (cmd->name == NULL)
		usage_error("unknown command \"%s\"", argv[optind]);
	optind++;

	if (cmd->needs_code)
	{
		if (optind >= argc)
			usage_error("command \"%s\" needs a product code", cmd->name);
		if (argv[optind][0] == '\0')
			usage_error("the product code must not be empty");
		opts->produto = argv[optind++];
	}
	if (optind < argc)
		usage_error("too many arguments for command \"%s\" (first is \"%s\")",
					cmd->name, argv[optind]);

	if (opts->given & ~cmd->accepts)
	{
		int         bad = opts->given & ~cmd->accepts;
		const char *name = "--json";

		if (bad & OPT_YES)
			name = "--yes";
		else if (bad & OPT_PRODUTO)
			name = "--produto";
		usage_error("option %s is not valid with command \"%s\"", name,
					cmd->name);
	}

	return cmd;
}

/*
 * Decide once whether to use colours and a progress bar: only on a
 * terminal, and colours not when the operator or NO_COLOR says so.
 */
static void
setup_output(const Options *opts)
{
	const char *term = getenv("TERM");
	bool        smart_term = term == NULL || strcmp(term, "dumb") != 0;
	const char *no_color = getenv("NO_COLOR");

	color_stdout = isatty(STDOUT_FILENO) && smart_term && !opts->no_color &&
				   (no_color == NULL || no_color[0] == '\0');
	progress_bar = isatty(STDERR_FILENO) && smart_term;
	verbose = opts->verbose;
}

/*
 * A full rebuild is confirmed on a terminal, where the operator can answer;
 * anywhere else nobody can, so --yes is required rather than waiting on
 * stdin.  Checked with the rest of the command line, before connecting.
 */
static void
check_confirmation_possible(const Options *opts)
{
	if (!opts->yes && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)))
		usage_error("inicializar asks for confirmation, but is not running "
					"on a terminal; use --yes");
}

/*
 * Ask before a full rebuild (unless --yes).  Asked once connected, so that
 * a server that cannot run it (a standby, no extension) says so first.
 */
static bool
confirm_rebuild(const Options *opts)
{
	char   answer[64];
	size_t len;

	if (opts->yes)
		return true;

	printf("Rebuild the whole cache? [s/N] ");
	fflush(stdout);
	if (fgets(answer, sizeof(answer), stdin) == NULL)
	{
		putchar('\n');
		return false;
	}
	len = strcspn(answer, "\r\n");
	answer[len] = '\0';
	return strcasecmp(answer, "s") == 0 || strcasecmp(answer, "sim") == 0 ||
		   strcasecmp(answer, "y") == 0 || strcasecmp(answer, "yes") == 0;
}

/*
 * Read a password with echo off.  Only called with a terminal on stdin,
 * except for -W, where a password piped on stdin is read as it is.
 */
static char *
prompt_password(void)
{
	char           buf[1024];
	struct termios saved;
	struct termios noecho;
	bool           is_tty = isatty(STDIN_FILENO);

	fputs("Password: ", stderr);
	fflush(stderr);
	if (is_tty && tcgetattr(STDIN_FILENO, &saved) == 0)
	{
		noecho = saved;
		noecho.c_lflag &= ~(tcflag_t) ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho);
	}
	else
		is_tty = false;

	if (fgets(buf, sizeof(buf), stdin) == NULL)
		buf[0] = '\0';

	if (is_tty)
	{
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
		fputc('\n', stderr);
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	return psprintf("%s", buf);
}

/* Write a message to stderr from a signal handler, where stdio is unsafe */
static void
write_stderr(const char *text)
{
	ssize_t rc = write(STDERR_FILENO, text, strlen(text));

	(void) rc; /* nothing to do if stderr is gone */
}

/*
 * SIGINT handler: while a query runs, ask the server to cancel it (the
 * query then fails with SQLSTATE 57014 and the program exits with status
 * 3); otherwise die of the signal as usual.  Only async-signal-safe calls.
 */
static void
handle_sigint(int signum)
{
	int save_errno = errno;

	if (query_running && cancel_handle != NULL)
	{
		char errbuf[256];

		if (PQcancel(cancel_handle, errbuf, sizeof(errbuf)))
			write_stderr("\nCancel request sent\n");
		else
		{
			write_stderr("\nCould not send cancel request: ");
			write_stderr(errbuf);
			write_stderr("\n");
		}
	}
	else
	{
		signal(signum, SIG_DFL);
		raise(signum);
	}
	errno = save_errno;
}

/*
 * Open the connection the way PostgreSQL's own clients do: -d may be a
 * whole connection string or URI (expand_dbname), whose settings win over
 * -h/-p/-U; a password is asked for on the terminal only when the server
 * wants one and none was given.
 */
static PGconn *
connect_database(const Options *opts)
{
	const char *keywords[7];
	const char *values[7];
	char       *password = NULL;
	PGconn     *conn;
	bool        again;

	if (opts->prompt_password == PROMPT_ALWAYS)
		password = prompt_password();

	do
	{
		keywords[0] = "host";
		values[0] = opts->host;
		keywords[1] = "port";
		values[1] = opts->port;
		keywords[2] = "user";
		values[2] = opts->username;
		keywords[3] = "password";
		values[3] = password;
		keywords[4] = "dbname";
		values[4] = opts->dbname;
		keywords[5] = "fallback_application_name";
		values[5] = progname;
		keywords[6] = NULL;
		values[6] = NULL;

		conn = PQconnectdbParams(keywords, values, 1);
		if (conn == NULL)
		{
			log_error("could not connect: out of memory");
			exit(EXIT_SERVER);
		}

		again = false;
		if (PQstatus(conn) == CONNECTION_BAD &&
			PQconnectionNeedsPassword(conn) && password == NULL &&
			opts->prompt_password != PROMPT_NEVER && isatty(STDIN_FILENO))
		{
			PQfinish(conn);
			password = prompt_password();
			again = true;
		}
	} while (again);

	if (password != NULL)
	{
		memset(password, 0, strlen(password));
		free(password);
	}

	if (PQstatus(conn) == CONNECTION_BAD)
	{
		const char *msg = PQerrorMessage(conn);

		log_error("could not connect to the database: %.*s",
				  trimmed_length(msg), msg);
		exit_nicely(conn, EXIT_SERVER);
	}
	return conn;
}

/*
 * Report a failed query on stderr: severity, SQLSTATE and message on one
 * line as psql's verbose mode shows them, then the detail and the hint.
 * When the failure did not come from the server (connection lost) only
 * libpq's own message exists.
 */
static void
report_query_error(PGconn *conn, const PGresult *res)
{
	const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY);
	const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	const char *context = PQresultErrorField(res, PG_DIAG_CONTEXT);

	end_progress_line();
	if (primary == NULL)
	{
		const char *msg = PQerrorMessage(conn);

		log_error("%.*s", trimmed_length(msg), msg);
		return;
	}

	fprintf(stderr, "%s: %s:  %s%s%s\n", progname,
			severity ? severity : "ERROR", sqlstate ? sqlstate : "",
			sqlstate ? ": " : "", primary);
	if (detail != NULL)
		fprintf(stderr, "DETAIL:  %s\n", detail);

	/* Add a hint of our own for the errors operators meet most */
	if (hint == NULL && sqlstate != NULL)
	{
		if (strcmp(sqlstate, "42501") == 0)
			hint = "Only roles granted EXECUTE on this function may run "
				   "this command; ask the database administrator.";
		else if (strcmp(sqlstate, "42883") == 0)
			hint = "The extension may be older than this tool; try ALTER "
				   "EXTENSION estoque_cache UPDATE.";
		else if (strcmp(sqlstate, "25006") == 0 && server_in_recovery)
			hint = "The server is a standby (in recovery), where nothing "
				   "can be written; before version 1.1 the extension logs "
				   "every verification, even there: run ALTER EXTENSION "
				   "estoque_cache UPDATE on the primary.";
	}
	if (hint != NULL)
		fprintf(stderr, "HINT:  %s\n", hint);
	if (context != NULL && verbose)
		fprintf(stderr, "CONTEXT:  %s\n", context);
}

/*
 * Run one query with text parameters (NULL meaning SQL NULL) and return
 * its result.  A failure is reported and ends the program with status 3.
 */
static PGresult *
exec_query(PGconn *conn, const char *sql, int nparams,
		   const char *const *params)
{
	PGresult      *res;
	ExecStatusType status;

	query_running = 1;
	res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	query_running = 0;

	status = PQresultStatus(res);
	if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
	{
		report_query_error(conn, res);
		PQclear(res);
		exit_nicely(conn, EXIT_SERVER);
	}
	return res;
}

/*
 * Find the schema CREATE EXTENSION put the extension in, quoted for use
 * in queries.  A database without the extension is a connection-level
 * problem for this tool: status 3.
 */
static void
find_extension_schema(PGconn *conn)
{
	PGresult *res;

	res = exec_query(conn,
					 "SELECT pg_catalog.quote_ident(n.nspname)\n"
					 "FROM pg_catalog.pg_extension AS e\n"
					 "JOIN pg_catalog.pg_namespace AS n"
					 " ON n.oid = e.extnamespace\n"
					 "WHERE e.extname = 'estoque_cache'",
					 0, NULL);
	if (PQntuples(res) != 1)
	{
		log_error("extension \"estoque_cache\" is not installed in database "
				  "\"%s\"",
				  PQdb(conn));
		fprintf(stderr, "HINT:  Connect to the right database with -d, or "
						"run CREATE EXTENSION estoque_cache there.\n");
		PQclear(res);
		exit_nicely(conn, EXIT_SERVER);
	}
	ext_schema = psprintf("%s", PQgetvalue(res, 0, 0));
	PQclear(res);
}

/* Whether the server is a hot standby, replaying a primary's WAL */
static bool
query_in_recovery(PGconn *conn)
{
	PGresult *res;
	bool      in_recovery;

	res = exec_query(conn, "SELECT pg_catalog.pg_is_in_recovery()", 0, NULL);
	in_recovery = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return in_recovery;
}

/*
 * Whether the cache knows a product code, the test shared by every command
 * that takes one: estoque_cache_produto() is NULL for a code with nothing
 * to show and no links.  An unknown code is reported on stderr; the caller
 * then exits with EXIT_DIFFERENCES.
 */
static bool
require_known_product(PGconn *conn, const char *code)
{
	char *sql = psprintf("SELECT %s.estoque_cache_produto($1::pg_catalog.text)"
						 " IS NOT NULL",
						 ext_schema);
	const char *params[1];
	PGresult   *res;
	bool        known;

	params[0] = code;
	res = exec_query(conn, sql, 1, params);
	known = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	free(sql);

	if (!known)
		log_error("unknown product code \"%s\"", code);
	return known;
}

/*
 * Progress reports.  The rebuild sends NOTICE messages containing
 * "progresso K/N: description".  On a terminal they redraw a bar on
 * stderr; elsewhere they are dropped, or printed as plain lines with
 * --verbose.
 */
static void
show_progress(long done, long total, const char *desc)
{
	const int      bar_width = 30;
	int            filled;
	int            percent;
	int            columns = 80;
	int            room;
	char           line[128];
	struct winsize ws;

	if (!progress_bar)
	{
		if (verbose)
			fprintf(stderr, "progresso %ld/%ld: %s\n", done, total, desc);
		return;
	}

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		columns = ws.ws_col;

	if (total <= 0 || done >= total)
		percent = total <= 0 ? 0 : 100;
	else
		percent = done <= 0 ? 0 : (int) (done * 100 / total);
	filled = percent * bar_width / 100;

	snprintf(line, sizeof(line), "[%.*s%.*s] %3d%% %ld/%ld ", filled,
			 "##############################", bar_width - filled,
			 "..............................", percent, done, total);
	fprintf(stderr, "\r%s", line);

	/* keep the line within the terminal, or \r cannot redraw it */
	room = columns - (int) strlen(line) - 1;
	if (room > 0)
		fput_prefix(desc, room, stderr);
	fputs(ANSI_CLEAR_EOL, stderr);
	fflush(stderr);
	bar_on_screen = true;
}

/*
 * Notice receiver: progress reports go to show_progress(); any other
 * notice is printed as libpq would print it.
 */
static void
notice_receiver(void *arg, const PGresult *res)
{
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *p = msg ? strstr(msg, "progresso ") : NULL;
	long        done;
	long        total;
	int         consumed = -1;

	(void) arg;
	if (p != NULL &&
		sscanf(p, "progresso %ld/%ld:%n", &done, &total, &consumed) == 2)
	{
		const char *desc = consumed >= 0 ? p + consumed : "";

		while (*desc == ' ')
			desc++;
		show_progress(done, total, desc);
		return;
	}

	end_progress_line();
	fputs(PQresultErrorMessage(res), stderr);
}

/* Colour of a rupture status value: red, yellow or green */
static const char *
status_color(const char *value)
{
	if (!color_stdout || value == NULL)
		return NULL;
	/* compare the unaccented start, whatever the client encoding */
	if (strncmp(value, "CR", 2) == 0)
		return ANSI_RED;
	if (strncmp(value, "ATEN", 4) == 0)
		return ANSI_YELLOW;
	if (strcmp(value, "OK") == 0)
		return ANSI_GREEN;
	return NULL;
}

/* Print a value, in colour when one is given */
static void
print_colored(const char *value, const char *color)
{
	if (color != NULL)
		printf("%s%s%s", color, value, ANSI_RESET);
	else
		fputs(value, stdout);
}

/*
 * Print a jsonb document as an indented report, one "key: value" per line,
 * array elements marked with "- " (the layout of YAML).  The server
 * flattens the document (flatten_json_sql), so nothing is parsed here.
 */
static void
print_json_report(PGconn *conn, const char *json)
{
	const char *params[1];
	PGresult   *res;
	int         pending_dashes = 0;
	int         row;

	params[0] = json;
	res = exec_query(conn, flatten_json_sql, 1, params);

	/* a scalar document has no members: print it as it is */
	if (PQntuples(res) == 0)
		printf("%s\n", json);

	for (row = 0; row < PQntuples(res); row++)
	{
		int         depth = atoi(PQgetvalue(res, row, 0));
		const char *key = PQgetvalue(res, row, 1);
		bool        in_array = PQgetvalue(res, row, 2)[0] == 't';
		const char *value = PQgetvalue(res, row, 3);
		bool        container = PQgetisnull(res, row, 3);

		/*
		 * An object or array inside an array has no line of its own: its
		 * dash goes in front of its first member, as YAML writes it.
		 */
		if (container && in_array)
		{
			pending_dashes++;
			continue;
		}

		printf("%*s", 2 * (depth - pending_dashes), "");
		for (; pending_dashes > 0; pending_dashes--)
			fputs("- ", stdout);

		if (in_array)
			fputs("- ", stdout);
		else
			printf("%s:%s", key, container ? "" : " ");

		if (!container)
			print_colored(value[0] != '\0' ? value : "\"\"",
						  strstr(key, "status") ? status_color(value) : NULL);
		putchar('\n');
	}
	PQclear(res);
}

/* Whether values of a column of this type are numbers, to right-align */
static bool
is_numeric_type(Oid type)
{
	return type == INT2OID || type == INT4OID || type == INT8OID ||
		   type == OIDOID || type == FLOAT4OID || type == FLOAT8OID ||
		   type == NUMERICOID;
}

/* Text of a cell as the tables show it */
static const char *
cell_text(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? "(null)" : PQgetvalue(res, row, col);
}

/* Print text padded to a width, on the left or on the right */
static void
print_padded(const char *text, int width, bool right, bool last,
			 const char *color)
{
	int pad = width - display_width(text);

	if (right && pad > 0)
		printf("%*s", pad, "");
	print_colored(text, color);
	if (!right && !last && pad > 0)
		printf("%*s", pad, "");
}

/*
 * Print a query result as an aligned table: a header, a rule and a line
 * per row, columns two spaces apart.  Numeric columns are right-aligned,
 * as psql does.  color_fn, when given, may colour single cells.
 */
static void
print_table(const PGresult *res, CellColorFunc color_fn)
{
	int   nfields = PQnfields(res);
	int   ntuples = PQntuples(res);
	int  *width = xmalloc(sizeof(int) * (size_t) nfields);
	bool *right = xmalloc(sizeof(bool) * (size_t) nfields);
	int   row;
	int   col;

	for (col = 0; col < nfields; col++)
	{
		width[col] = display_width(PQfname(res, col));
		right[col] = is_numeric_type(PQftype(res, col));
		for (row = 0; row < ntuples; row++)
		{
			int w = display_width(cell_text(res, row, col));

			if (w > width[col])
				width[col] = w;
		}
	}

	for (col = 0; col < nfields; col++)
	{
		if (col > 0)
			fputs("  ", stdout);
		print_padded(PQfname(res, col), width[col], right[col],
					 col == nfields - 1, NULL);
	}
	putchar('\n');
	for (col = 0; col < nfields; col++)
	{
		int i;

		if (col > 0)
			fputs("  ", stdout);
		for (i = 0; i < width[col]; i++)
			putchar('-');
	}
	putchar('\n');

	for (row = 0; row < ntuples; row++)
	{
		for (col = 0; col < nfields; col++)
		{
			if (col > 0)
				fputs("  ", stdout);
			print_padded(cell_text(res, row, col), width[col], right[col],
						 col == nfields - 1,
						 color_fn ? color_fn(res, row, col) : NULL);
		}
		putchar('\n');
	}

	free(width);
	free(right);
}

/* Projection cells: a negative stock shows in red */
static const char *
projection_color(const PGresult *res, int row, int col)
{
	if (!color_stdout || PQgetisnull(res, row, col) ||
		!is_numeric_type(PQftype(res, col)) || col < 2)
		return NULL;
	return PQgetvalue(res, row, col)[0] == '-' ? ANSI_RED : NULL;
}

/*
 * inicializar: rebuild everything from the sources.  The confirmation was
 * asked before connecting; the server's progress notices draw the bar.
 */
static int
cmd_inicializar(PGconn *conn, const Options *opts)
{
	char     *sql = psprintf("SELECT %s.estoque_cache_rebuild()", ext_schema);
	PGresult *res;

	(void) opts;
	res = exec_query(conn, sql, 0, NULL);
	end_progress_line();

	printf("Cache rebuilt.\n");
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		print_json_report(conn, PQgetvalue(res, 0, 0));

	PQclear(res);
	free(sql);
	return EXIT_OK;
}

/*
 * atualizar: write the figures that differ from the sources.  With a code,
 * nothing fixed for a code the cache does not know is a mistyped code, not
 * a success.  The repair runs first all the same: a code that only the
 * sources have (rows written while the cache triggers were off) is unknown
 * until the repair brings it in.
 */
static int
cmd_atualizar(PGconn *conn, const Options *opts)
{
	char *sql = psprintf(
		"SELECT %s.estoque_cache_refresh($1::pg_catalog.text)", ext_schema);
	const char *params[1];
	PGresult   *res;
	const char *fixed;

	params[0] = opts->produto;
	res = exec_query(conn, sql, 1, params);
	fixed = PQgetisnull(res, 0, 0) ? "0" : PQgetvalue(res, 0, 0);

	if (opts->produto != NULL && strcmp(fixed, "0") == 0 &&
		!require_known_product(conn, opts->produto))
	{
		PQclear(res);
		free(sql);
		return EXIT_DIFFERENCES;
	}

	printf("%s row%s fixed", fixed, strcmp(fixed, "1") == 0 ? "" : "s");
	if (opts->produto != NULL)
		printf(" in the group of product %s", opts->produto);
	printf(".\n");

	PQclear(res);
	free(sql);
	return EXIT_OK;
}

/* status: the server's report, as JSON or as indented lines */
static int
cmd_status(PGconn *conn, const Options *opts)
{
	char     *sql = psprintf("SELECT %s.estoque_cache_status()", ext_schema);
	PGresult *res;

	res = exec_query(conn, sql, 0, NULL);
	if (PQgetisnull(res, 0, 0))
		fputs(opts->json ? "null\n" : "(no status)\n", stdout);
	else if (opts->json)
		printf("%s\n", PQgetvalue(res, 0, 0));
	else
		print_json_report(conn, PQgetvalue(res, 0, 0));

	PQclear(res);
	free(sql);
	return EXIT_OK;
}

/*
 * verificar: list every figure of the cache that differs from the sources.
 * With a code, "exact" is only said of a code the cache knows; differences
 * are listed whatever the code (a code that only the sources have is one).
 */
static int
cmd_verificar(PGconn *conn, const Options *opts)
{
	char *sql = psprintf("SELECT cod_produto, campo, no_cache, nas_fontes\n"
						 "FROM %s.estoque_cache_verify($1::pg_catalog.text)\n"
						 "ORDER BY 1, 2",
						 ext_schema);
	const char *params[1];
	PGresult   *res;
	int         ndiff;

	params[0] = opts->produto;
	res = exec_query(conn, sql, 1, params);
	ndiff = PQntuples(res);

	if (ndiff == 0 && opts->produto != NULL &&
		!require_known_product(conn, opts->produto))
	{
		PQclear(res);
		free(sql);
		return EXIT_DIFFERENCES;
	}

	if (ndiff == 0)
		printf("Cache exact: no differences from the sources.\n");
	else
	{
		print_table(res, NULL);
		printf("\n%d difference%s found; \"%s atualizar\" repairs them.\n",
			   ndiff, ndiff == 1 ? "" : "s", progname);
	}

	PQclear(res);
	free(sql);
	return ndiff == 0 ? EXIT_OK : EXIT_DIFFERENCES;
}

/*
 * produto: the group's figures, then its projection day by day.  The
 * header fields are taken out of the jsonb by the server.  The command
 * runs in one read-only REPEATABLE READ transaction, so the check that the
 * code is known, the figures and the projection share one snapshot.
 */
static int
cmd_produto(PGconn *conn, const Options *opts)
{
	static const char *const fields[] = {
		"cod_produto",   "nome_produto",     "codigos",
		"saldo_atual",   "qtd_carteira",     "qtd_pre_separacao",
		"qtd_separacao", "saldo_disponivel", "previsao_ruptura_7d",
		"data_ruptura",  "status_ruptura",   "atualizado_em"};
	const int   nfields = (int) (sizeof(fields) / sizeof(fields[0]));
	char       *header_sql;
	char       *projection_sql;
	const char *params[1];
	PGresult   *res;
	int         i;

	/* codigos is an array: join its members, keeping their order */
	header_sql = psprintf(
		"SELECT p->>'cod_produto', p->>'nome_produto',\n"
		"       CASE pg_catalog.jsonb_typeof(p->'codigos')\n"
		"           WHEN 'array' THEN\n"
		"               (SELECT pg_catalog.string_agg(c.v, ', ' ORDER BY c.n)\n"
		"                FROM pg_catalog.jsonb_array_elements_text(p->'codigos')\n"
		"                     WITH ORDINALITY AS c(v, n))\n"
		"           ELSE p->>'codigos' END,\n"
		"       p->>'saldo_atual', p->>'qtd_carteira',\n"
		"       p->>'qtd_pre_separacao', p->>'qtd_separacao',\n"
		"       p->>'saldo_disponivel', p->>'previsao_ruptura_7d',\n"
		"       p->>'data_ruptura', p->>'status_ruptura', p->>'atualizado_em'\n"
		"FROM (SELECT %s.estoque_cache_produto($1::pg_catalog.text) AS p) AS s",
		ext_schema);
	projection_sql =
		psprintf("SELECT dia, data, estoque_inicial, saida_prevista,\n"
				 "       producao_programada, estoque_final\n"
				 "FROM %s.estoque_cache_projecao($1::pg_catalog.text)\n"
				 "ORDER BY dia",
				 ext_schema);
	params[0] = opts->produto;

	if (!require_known_product(conn, opts->produto))
	{
		free(header_sql);
		free(projection_sql);
		return EXIT_DIFFERENCES;
	}

	res = exec_query(conn, header_sql, 1, params);

	for (i = 0; i < nfields; i++)
	{
		const char *value =
			PQgetisnull(res, 0, i) ? "-" : PQgetvalue(res, 0, i);

		printf("%-21s", fields[i]);
		if (strcmp(fields[i], "status_ruptura") == 0)
			print_colored(value, status_color(value));
		else if (strcmp(fields[i], "cod_produto") == 0 && color_stdout)
			print_colored(value, ANSI_BOLD);
		else
			fputs(value, stdout);
		putchar('\n');
	}
	PQclear(res);

	res = exec_query(conn, projection_sql, 1, params);
	putchar('\n');
	print_table(res, projection_color);

	PQclear(res);
	free(header_sql);
	free(projection_sql);
	return EXIT_OK;
}

int
main(int argc, char **argv)
{
	Options            opts;
	const CommandInfo *cmd;
	PGconn            *conn;
	struct sigaction   sa;
	bool               read_only;
	int                status;

	cmd = parse_options(argc, argv, &opts);
	setup_output(&opts);
	if (cmd->run == cmd_inicializar)
		check_confirmation_possible(&opts);

	conn = connect_database(&opts);
	PQsetNoticeReceiver(conn, notice_receiver, NULL);

	/* Ctrl-C cancels the running query instead of leaving it behind */
	cancel_handle = PQgetCancel(conn);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handle_sigint;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);

	find_extension_schema(conn);
	server_in_recovery = query_in_recovery(conn);

	/* A standby refuses every write: say so before trying one */
	if (cmd->access == ACCESS_WRITE && server_in_recovery)
	{
		log_error("the server is a standby (in recovery): run this on the "
				  "primary");
		fprintf(stderr,
				"HINT:  status, verificar and produto work on a "
				"standby; %s writes the cache.\n",
				cmd->name);
		exit_nicely(conn, EXIT_SERVER);
	}

	if (cmd->run == cmd_inicializar && !confirm_rebuild(&opts))
	{
		printf("Nothing done.\n");
		exit_nicely(conn, EXIT_OK);
	}

	/*
	 * Reading commands run in one read-only transaction, with an isolation
	 * level a standby accepts whatever the session's default.  verificar
	 * does too on a standby; on the primary the server logs the
	 * verification, which needs a transaction that may write.
	 */
	read_only = cmd->access == ACCESS_READ ||
				(cmd->access == ACCESS_VERIFY && server_in_recovery);
	if (read_only)
		PQclear(
			exec_query(conn,
					   "START TRANSACTION ISOLATION LEVEL REPEATABLE READ, "
					   "READ ONLY",
					   0, NULL));

	status = cmd->run(conn, &opts);

	if (read_only)
		PQclear(exec_query(conn, "COMMIT", 0, NULL));
	fflush(stdout);
	exit_nicely(conn, status);
}
