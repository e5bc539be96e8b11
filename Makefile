# Makefile for estoque_cache (PGXS)
EXTENSION = estoque_cache
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" estoque_cache.control)

MODULE_big = estoque_cache
OBJS = \
	src/estoque_cache.o \
	src/anexo.o \
	src/contribuicao.o \
	src/trigger.o \
	src/filtro.o \
	src/configuracao.o \
	src/consultas.o \
	src/detalhe.o \
	src/grupos.o \
	src/projecao.o \
	src/resumo.o \
	src/seguranca.o \
	src/soma.o \
	src/worker.o

# Released install scripts and every upgrade script are kept as they are;
# the install script of the version in development is built from
# sql/estoque_cache.sql (as pgvector does).
DATA = sql/estoque_cache--1.0.sql $(wildcard sql/estoque_cache--*--*.sql)
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql

# pg_regress suites for `make installcheck` against a running server that
# has the extension installed (test/run is the full runner).
REGRESS = $(patsubst test/sql/%.sql,%,$(sort $(wildcard test/sql/*.sql)))
REGRESS_OPTS = --inputdir=test --load-extension=$(EXTENSION) --encoding=UTF8
PG_CPPFLAGS = -I$(srcdir)/src
PG_CFLAGS = -Wall -Wmissing-prototypes -Wpointer-arith

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

sql/$(EXTENSION)--$(EXTVERSION).sql: sql/$(EXTENSION).sql
	cp $< $@

# The operators' command-line tool lives in cli/ with its own Makefile.
all: cli-all
install: cli-install
clean: cli-clean

.PHONY: cli-all cli-install cli-clean
cli-all:
	$(MAKE) -C cli PG_CONFIG=$(PG_CONFIG)
cli-install:
	$(MAKE) -C cli PG_CONFIG=$(PG_CONFIG) install
cli-clean:
	$(MAKE) -C cli PG_CONFIG=$(PG_CONFIG) clean
