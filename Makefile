# Makefile for estoque_cache (PGXS)
EXTENSION = estoque_cache
EXTVERSION = 1.0

MODULE_big = estoque_cache
OBJS = \
	src/estoque_cache.o \
	src/anexo.o \
	src/trigger.o \
	src/filtro.o \
	src/projecao.o \
	src/lista.o \
	src/soma.o \
	src/worker.o

DATA = $(wildcard sql/estoque_cache--*.sql)
PG_CPPFLAGS = -I$(srcdir)/src
PG_CFLAGS = -Wall -Wmissing-prototypes -Wpointer-arith

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

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
