"""The application's stock routes served by the estoque_cache extension.

A Flask blueprint with the four routes the application had over its Python
cache, now answered by the extension's public SQL API only:

    GET  /estoque/saldo-estoque-v2                       the list page (HTML)
    GET  /estoque/saldo-estoque-v2/api/produto/<codigo>  one group, JSON
    POST /estoque/saldo-estoque-v2/atualizar-cache       repair (admin), JSON
    GET  /estoque/saldo-estoque-v2/status-cache          cache status, JSON

Use it in an application of your own:

    from estoque_cache_flask import bp
    app.config["ESTOQUE_CACHE_DSN"] = "dbname=erp user=web"
    app.register_blueprint(bp)

or run it alone (from this directory, or with it in PYTHONPATH):

    flask --app 'estoque_cache_flask:create_app("dbname=erp")' run

Settings (app.config): ESTOQUE_CACHE_DSN (libpq connection string),
ESTOQUE_CACHE_POOL_MAX (idle connections kept, default 10), ESTOQUE_CACHE_POR_PAGINA
(rows per page, default 50).

Needs only Debian's python3-flask and python3-psycopg2. Every query uses bound
parameters. A database error becomes a 503 JSON answer with its SQLSTATE; the
details go to the application's log, never to the client.

Who may repair the cache is the database's decision: the POST route runs
estoque_cache_rebuild() or estoque_cache_refresh(text) only when the role
the application connects as may execute it (GRANT EXECUTE ... TO that role),
and answers 403 otherwise. Put the route behind the application's own login
as well; it accepts only a JSON body, which a cross-site form cannot send.
"""

import threading
from datetime import date

import psycopg2
import psycopg2.extensions
from flask import (Blueprint, Flask, Response, current_app, g, jsonify,
                   render_template_string, request, url_for)

URL_PREFIX = "/estoque/saldo-estoque-v2"

bp = Blueprint("saldo_estoque_v2", __name__, url_prefix=URL_PREFIX)

STATUS = ("CRÍTICO", "ATENÇÃO", "OK")
STATUS_CLASSE = {"CRÍTICO": "critico", "ATENÇÃO": "atencao", "OK": "ok"}

# The list's order: critical groups first, then attention, then OK; inside
# each, the earliest rupture and the lowest 7-day forecast first.
ORDEM = """CASE status_ruptura WHEN 'CRÍTICO' THEN 0 WHEN 'ATENÇÃO' THEN 1 ELSE 2 END,
           data_ruptura NULLS LAST, previsao_ruptura_7d, cod_produto"""

COLUNAS = """cod_produto, nome_produto, codigos, saldo_atual, qtd_carteira,
             qtd_pre_separacao, qtd_separacao, saldo_disponivel,
             previsao_ruptura_7d, data_ruptura, status_ruptura, atualizado_em"""

# One page of the list (filtered by status and, optionally, a LIKE pattern over
# names and codes), with the count of every status and the filtered total: the
# list is read once. Without a row on the page it still returns one row, with
# the counts and NULL columns.
LISTA = (
    "WITH s AS MATERIALIZED (SELECT " + COLUNAS + " FROM estoque_cache_saldo),"
    " f AS NOT MATERIALIZED ("
    "   SELECT * FROM s"
    "    WHERE (%(status)s = '' OR status_ruptura = %(status)s)"
    "      AND (%(padrao)s::text IS NULL"
    "           OR nome_produto ILIKE %(padrao)s"
    "           OR EXISTS (SELECT FROM unnest(codigos) AS c WHERE c LIKE %(padrao)s)))"
    " SELECT (SELECT coalesce(jsonb_object_agg(status_ruptura, n), '{}')"
    "           FROM (SELECT status_ruptura, count(*) AS n FROM s GROUP BY 1) AS x)"
    "        AS contagem,"
    "        (SELECT count(*) FROM f) AS total, p.*"
    "   FROM (VALUES (1)) AS um (x)"
    "   LEFT JOIN LATERAL (SELECT * FROM f ORDER BY " + ORDEM +
    "                       LIMIT %(limite)s OFFSET %(salto)s) AS p ON true")

# Connection failures carry no SQLSTATE from the server; libpq's class 08
# codes say what happened.
SQLSTATE_SEM_CONEXAO = "08001"    # sqlclient_unable_to_establish_sqlconnection
SQLSTATE_CONEXAO_PERDIDA = "08006"  # connection_failure


class ErroConexao(Exception):
    """No connection to the database could be had."""

    def __init__(self, sqlstate, motivo):
        super().__init__(motivo)
        self.sqlstate = sqlstate
        self.motivo = motivo


# ---------------------------------------------------------------- connections
#
# Idle connections are kept for the next request (up to ESTOQUE_CACHE_POOL_MAX).
# Keeping them matters beyond the cost of connecting: each server backend keeps
# the list of groups it last read and reuses it while nothing changed.

class _Conexoes:
    def __init__(self, dsn, maximo):
        self.opcoes = psycopg2.extensions.parse_dsn(dsn)
        self.opcoes.setdefault("connect_timeout", "5")
        self.opcoes.setdefault("application_name", "estoque_cache_flask")
        self.maximo = maximo
        self.livres = []
        self.lock = threading.Lock()

    def pegar(self):
        """A connection, and whether it was kept from an earlier request."""
        with self.lock:
            while self.livres:
                conn = self.livres.pop()
                if not conn.closed:
                    return conn, True
        return psycopg2.connect(**self.opcoes), False

    def devolver(self, conn):
        if not conn.closed:
            try:
                conn.rollback()    # whatever the route did not commit
            except psycopg2.Error:
                pass
        ocioso = psycopg2.extensions.TRANSACTION_STATUS_IDLE
        if not conn.closed and conn.info.transaction_status == ocioso:
            with self.lock:
                if len(self.livres) < self.maximo:
                    self.livres.append(conn)
                    return
        conn.close()

    def fechar(self):
        with self.lock:
            livres, self.livres = self.livres, []
        for conn in livres:
            conn.close()


_lock = threading.Lock()


def conexoes(app=None):
    """The application's connections (made on first use)."""
    app = app or current_app._get_current_object()
    c = app.extensions.get("estoque_cache")
    if c is None:
        with _lock:
            c = app.extensions.get("estoque_cache")
            if c is None:
                dsn = app.config.get("ESTOQUE_CACHE_DSN")
                if not dsn:
                    raise RuntimeError("ESTOQUE_CACHE_DSN is not set")
                c = _Conexoes(dsn, int(app.config.get("ESTOQUE_CACHE_POOL_MAX", 10)))
                app.extensions["estoque_cache"] = c
    return c


def _cursor(primeiro):
    """A cursor on this request's connection. The first call of a request
    takes a connection and begins its transaction with the statement
    `primeiro`; a kept connection that the server closed meanwhile (a restart,
    an idle timeout) is replaced by a new one."""
    conn = g.get("_estoque_cache_conn")
    if conn is not None:
        return conn.cursor()
    c = conexoes()
    while True:
        try:
            conn, guardada = c.pegar()
        except psycopg2.OperationalError as e:
            raise ErroConexao(SQLSTATE_SEM_CONEXAO, str(e)) from e
        g._estoque_cache_conn = conn    # given back at the end of the request
        try:
            cur = conn.cursor()
            cur.execute(primeiro)
            return cur
        except psycopg2.OperationalError:
            if not (guardada and conn.closed):
                raise
            del g._estoque_cache_conn
            conn.close()


def _leitura():
    """A cursor in a read-only transaction: every query of the request
    sees the same snapshot."""
    return _cursor("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


@bp.teardown_request
def _devolver_conexao(_exc):
    conn = g.pop("_estoque_cache_conn", None)
    g.pop("_estoque_cache_leitura", None)
    if conn is not None:
        conexoes().devolver(conn)


# ---------------------------------------------------------------- errors

def _erro(status, texto, **extra):
    corpo = {"erro": texto}
    corpo.update(extra)
    return jsonify(corpo), status


@bp.errorhandler(ErroConexao)
def _sem_conexao(e):
    current_app.logger.warning("estoque_cache: no database connection: %s",
                               " ".join(e.motivo.split()))
    return _erro(503, "banco de dados indisponível", sqlstate=e.sqlstate)


@bp.errorhandler(psycopg2.Error)
def _erro_banco(e):
    sqlstate = e.pgcode
    mensagem = None
    if sqlstate is None:
        sqlstate = SQLSTATE_CONEXAO_PERDIDA
    elif e.diag is not None:
        mensagem = e.diag.message_primary
    current_app.logger.warning("estoque_cache: database error %s: %s",
                               sqlstate, " ".join(str(e).split()))
    return _erro(503, "erro no banco de dados", sqlstate=sqlstate, mensagem=mensagem)


# ---------------------------------------------------------------- JSON routes

@bp.get("/api/produto/<path:codigo>")
def api_produto(codigo):
    """The group of any member code, as estoque_cache_produto() gives it."""
    if "\0" in codigo:    # no text value holds it, so no code either
        return _erro(404, "produto não encontrado", cod_produto=codigo)
    cur = _leitura()
    # jsonb as text: numerics reach the client exactly as the server wrote them
    cur.execute("SELECT estoque_cache_produto(%s)::text", (codigo,))
    texto = cur.fetchone()[0]
    if texto is None:
        return _erro(404, "produto não encontrado", cod_produto=codigo)
    return Response(texto, mimetype="application/json")


@bp.get("/status-cache")
def status_cache():
    cur = _leitura()
    cur.execute("SELECT estoque_cache_status()::text")
    return Response(cur.fetchone()[0], mimetype="application/json")


@bp.post("/atualizar-cache")
def atualizar_cache():
    """{"tipo": "completo"} rebuilds everything; {"tipo": "produto",
    "cod_produto": "..."} repairs one group (404 for a code neither the cache
    nor, after the repair, the sources know)."""
    corpo = request.get_json(silent=True)
    if not isinstance(corpo, dict):
        return _erro(400, 'corpo JSON esperado: {"tipo": "completo"} ou '
                          '{"tipo": "produto", "cod_produto": "..."}')
    tipo = corpo.get("tipo")
    if tipo == "completo":
        funcao = "estoque_cache_rebuild()"
        codigo = None
    elif tipo == "produto":
        funcao = "estoque_cache_refresh(text)"
        codigo = corpo.get("cod_produto")
        # codes may come as JSON numbers (the links table keeps integers)
        if isinstance(codigo, int) and not isinstance(codigo, bool):
            codigo = str(codigo)
        if not isinstance(codigo, str) or not codigo.strip() or "\0" in codigo:
            return _erro(400, "cod_produto ausente ou inválido")
    else:
        return _erro(400, "tipo desconhecido: use \"completo\" ou \"produto\"",
                     tipo=tipo if isinstance(tipo, (str, int, float)) else None)

    # the rebuild reports progress as NOTICEs; nobody reads them here
    cur = _cursor("SET LOCAL client_min_messages = warning")
    conn = cur.connection
    cur.execute("SELECT has_function_privilege(%s::regprocedure, 'EXECUTE')", (funcao,))
    if not cur.fetchone()[0]:
        conn.rollback()
        return _erro(403, "o papel do banco de dados não pode executar " + funcao,
                     funcao=funcao)
    if codigo is None:
        cur.execute("SELECT estoque_cache_rebuild()::text")
        resumo = cur.fetchone()[0]
        conn.commit()
        return Response(resumo, mimetype="application/json")
    cur.execute("SELECT estoque_cache_refresh(%s)", (codigo,))
    linhas = cur.fetchone()[0]
    # after the repair: a code only the sources had is known now
    cur.execute("SELECT estoque_cache_principal(%s), estoque_cache_produto(%s) IS NULL",
                (codigo, codigo))
    principal, desconhecido = cur.fetchone()
    if desconhecido and not linhas:
        conn.rollback()
        return _erro(404, "produto não encontrado", cod_produto=codigo)
    conn.commit()
    return jsonify({"tipo": "produto", "cod_produto": codigo,
                    "principal": principal, "linhas_corrigidas": linhas})


# ---------------------------------------------------------------- the page

def _numero(valor):
    """A quantity the Brazilian way: 1.234,5 (up to three decimals)."""
    if valor is None:
        return "—"
    texto = "{:,.3f}".format(valor)
    inteiro, _, decimais = texto.partition(".")
    decimais = decimais.rstrip("0")
    inteiro = inteiro.replace(",", ".")
    return inteiro + ("," + decimais if decimais else "")


def _negativo(valor):
    return valor is not None and valor < 0


def _data(valor):
    return valor.strftime("%d/%m/%Y") if isinstance(valor, date) else "—"


def _inteiro(texto, padrao, minimo, maximo):
    try:
        n = int(texto)
    except (TypeError, ValueError):
        return padrao
    return max(minimo, min(maximo, n))


def _linhas(cur):
    nomes = [c.name for c in cur.description]
    return [dict(zip(nomes, r)) for r in cur.fetchall()]


def _like(texto):
    return "%" + texto.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@bp.get("")
def lista():
    por_pagina = _inteiro(request.args.get("por_pagina"),
                          int(current_app.config.get("ESTOQUE_CACHE_POR_PAGINA", 50)),
                          10, 200)
    pagina = _inteiro(request.args.get("pagina"), 1, 1, 10 ** 6)
    status = request.args.get("status", "")
    if status not in STATUS:
        status = ""
    # (no text value holds a NUL character: drop them)
    busca = request.args.get("q", "").replace("\0", "").strip()
    aberto = request.args.get("produto", "").replace("\0", "").strip()

    cur = _leitura()
    linhas = []
    encontrado_por_codigo = False
    if busca:
        # a member code finds its group, read by index
        cur.execute("SELECT " + COLUNAS + " FROM estoque_cache_saldo_produto(%s)"
                    " WHERE %s = '' OR status_ruptura = %s",
                    (busca, status, status))
        linhas = _linhas(cur)
        encontrado_por_codigo = bool(linhas)
        if encontrado_por_codigo and not aberto:
            aberto = linhas[0]["cod_produto"]

    # The counts per status and the page, from one read of the list; a search
    # that is not a member code looks for part of a name or of a code.
    cur.execute(LISTA, {
        "status": status,
        "padrao": _like(busca) if busca and not encontrado_por_codigo else None,
        "limite": 0 if encontrado_por_codigo else por_pagina,
        "salto": (pagina - 1) * por_pagina})
    resultado = _linhas(cur)
    contagem = resultado[0]["contagem"]
    total_geral = sum(contagem.values())
    if encontrado_por_codigo:
        total = len(linhas)
    else:
        total = resultado[0]["total"]
        linhas = [r for r in resultado if r["cod_produto"] is not None]

    # a group opened from the URL shows even when it is on another page
    if aberto:
        cur.execute("SELECT " + COLUNAS + " FROM estoque_cache_saldo_produto(%s)", (aberto,))
        grupo = _linhas(cur)
        if grupo:
            aberto = grupo[0]["cod_produto"]
            if not any(r["cod_produto"] == aberto for r in linhas):
                grupo[0]["fora_da_pagina"] = True
                linhas.insert(0, grupo[0])
        else:
            aberto = ""

    paginas = max(1, -(-total // por_pagina))

    padrao_por_pagina = int(current_app.config.get("ESTOQUE_CACHE_POR_PAGINA", 50))

    def link(**mudar):
        args = {"q": busca, "status": status, "pagina": pagina, "por_pagina": por_pagina}
        args.update(mudar)
        if args["pagina"] == 1:
            del args["pagina"]
        if args["por_pagina"] == padrao_por_pagina:
            del args["por_pagina"]
        return url_for(".lista", **{k: v for k, v in args.items() if v not in (None, "")})

    html = render_template_string(
        PAGINA, linhas=linhas, contagem=contagem, total_geral=total_geral, total=total,
        status=status, busca=busca, aberto=aberto, pagina=pagina, paginas=paginas,
        por_pagina=por_pagina, encontrado_por_codigo=encontrado_por_codigo,
        STATUS=STATUS, STATUS_CLASSE=STATUS_CLASSE, numero=_numero, data=_data, negativo=_negativo,
        link=link, base=url_for(".lista"))
    return Response(html, mimetype="text/html")


PAGINA = """<!doctype html>
<html lang="pt-BR">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Saldo de estoque</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
  h1 { font-size: 1.4em; margin: 0 0 .5em; }
  form.busca { display: flex; gap: .5em; flex-wrap: wrap; align-items: center; margin: .5em 0; }
  form.busca input[type=search] { min-width: 18em; padding: .3em; }
  nav.filtros a { margin-right: .8em; text-decoration: none; }
  nav.filtros a.atual { font-weight: bold; text-decoration: underline; }
  table { border-collapse: collapse; width: 100%; margin-top: .8em; }
  th, td { padding: .3em .5em; border-bottom: 1px solid #ddd; text-align: right; white-space: nowrap; }
  th { background: #f3f3f3; position: sticky; top: 0; }
  td.texto, th.texto { text-align: left; white-space: normal; }
  tr.grupo { cursor: pointer; }
  tr.grupo:hover, tr.grupo:focus { outline: 2px solid #7aa7d8; }
  tr.critico { background: #fde2e1; }
  tr.atencao { background: #fff4cc; }
  tr.ok { background: #e7f6e7; }
  tr.fora { border-top: 3px double #999; }
  .selo { display: inline-block; padding: 0 .5em; border-radius: .8em; color: #fff; font-weight: bold; }
  .selo.critico { background: #c62828; }
  .selo.atencao { background: #b7791f; }
  .selo.ok { background: #2e7d32; }
  .negativo { color: #b71c1c; }
  .membros { color: #666; font-size: .85em; }
  tr.detalhe td { background: #fff; text-align: left; }
  svg.grafico { width: 100%; max-width: 720px; height: auto; display: block; }
  svg.grafico .linha { fill: none; stroke: #1e5aa8; stroke-width: 2; }
  svg.grafico .zero { stroke: #c62828; stroke-dasharray: 4 3; }
  svg.grafico .janela { fill: #f6e0e0; }
  svg.grafico circle { fill: #1e5aa8; }
  svg.grafico circle.negativo { fill: #c62828; }
  svg.grafico text { font-size: 11px; fill: #444; }
  .paginas { margin: .8em 0; }
  .paginas a, .paginas span { margin-right: 1em; }
  .vazio { padding: 1em; color: #666; }
</style>
</head>
<body>
<h1>Saldo de estoque</h1>
<form class="busca" method="get" action="{{ base }}">
  <input type="search" name="q" value="{{ busca }}" placeholder="Código (qualquer código do grupo) ou nome" aria-label="Buscar produto">
  <select name="status" aria-label="Filtrar por status">
    <option value="">Todos os status</option>
    {% for s in STATUS %}<option value="{{ s }}"{% if s == status %} selected{% endif %}>{{ s }}</option>{% endfor %}
  </select>
  <button type="submit">Buscar</button>
  {% if busca or status %}<a href="{{ base }}">limpar</a>{% endif %}
</form>
<nav class="filtros">
  <a href="{{ link(status='', pagina=1) }}"{% if not status %} class="atual"{% endif %}>Todos ({{ total_geral }})</a>
  {% for s in STATUS %}<a href="{{ link(status=s, pagina=1) }}" class="{{ STATUS_CLASSE[s] }}{% if s == status %} atual{% endif %}">{{ s }} ({{ contagem.get(s, 0) }})</a>{% endfor %}
</nav>
{% if busca %}<p>{% if encontrado_por_codigo %}Grupo do código <strong>{{ busca }}</strong>{% else %}{{ total }} grupo(s) com “{{ busca }}” no nome ou no código{% endif %}</p>{% endif %}
<table id="saldos" data-base="{{ base }}" data-aberto="{{ aberto }}">
<thead><tr>
  <th class="texto">Código</th><th class="texto">Produto</th><th>Saldo atual</th><th>Carteira</th>
  <th>Pré-separação</th><th>Separação</th><th>Disponível</th><th>Previsão 7 dias</th>
  <th>Ruptura</th><th class="texto">Status</th>
</tr></thead>
<tbody>
{% for r in linhas %}
<tr class="grupo {{ STATUS_CLASSE.get(r.status_ruptura, '') }}{% if r.fora_da_pagina %} fora{% endif %}" tabindex="0"
    data-codigo="{{ r.cod_produto }}" data-codigos="{{ r.codigos|join(' ') }}" data-status="{{ r.status_ruptura }}"
    aria-expanded="false" title="Atualizado em {{ r.atualizado_em }}">
  <td class="texto">{{ r.cod_produto }}{% if r.codigos|length > 1 %}<div class="membros">{{ r.codigos|join(', ') }}</div>{% endif %}</td>
  <td class="texto">{{ r.nome_produto or '' }}</td>
  <td{% if negativo(r.saldo_atual) %} class="negativo"{% endif %}>{{ numero(r.saldo_atual) }}</td>
  <td>{{ numero(r.qtd_carteira) }}</td>
  <td>{{ numero(r.qtd_pre_separacao) }}</td>
  <td>{{ numero(r.qtd_separacao) }}</td>
  <td{% if negativo(r.saldo_disponivel) %} class="negativo"{% endif %}>{{ numero(r.saldo_disponivel) }}</td>
  <td{% if negativo(r.previsao_ruptura_7d) %} class="negativo"{% endif %}>{{ numero(r.previsao_ruptura_7d) }}</td>
  <td>{{ data(r.data_ruptura) }}</td>
  <td class="texto"><span class="selo {{ STATUS_CLASSE.get(r.status_ruptura, '') }}">{{ r.status_ruptura }}</span></td>
</tr>
{% else %}
<tr><td colspan="10" class="vazio texto">Nenhum grupo encontrado.</td></tr>
{% endfor %}
</tbody>
</table>
{% if paginas > 1 %}
<div class="paginas">
  {% if pagina > 1 %}<a href="{{ link(pagina=[pagina - 1, paginas]|min) }}" rel="prev">‹ anterior</a>{% endif %}
  <span>página {{ pagina }} de {{ paginas }} ({{ total }} grupos)</span>
  {% if pagina < paginas %}<a href="{{ link(pagina=pagina + 1) }}" rel="next">próxima ›</a>{% endif %}
</div>
{% endif %}
<noscript><p>A projeção de 29 dias precisa de JavaScript; os dados estão em {{ base }}/api/produto/CÓDIGO.</p></noscript>
<script>
(function () {
  "use strict";
  var tabela = document.getElementById("saldos");
  var base = tabela.getAttribute("data-base");
  var SVG = "http://www.w3.org/2000/svg";

  function el(nome, attrs, texto) {
    var e = document.createElementNS(SVG, nome);
    for (var k in attrs) { e.setAttribute(k, attrs[k]); }
    if (texto !== undefined) { e.textContent = texto; }
    return e;
  }
  function ddmm(iso) { return iso.slice(8, 10) + "/" + iso.slice(5, 7); }
  function num(v) { return Number(v).toLocaleString("pt-BR", {maximumFractionDigits: 3}); }

  // The projection as a line of estoque_final per day, the first eight days
  // (the critical window) shaded, zero dashed, negative days in red.
  function grafico(codigo, dias) {
    var L = 720, A = 200, me = 60, md = 10, mt = 12, mb = 28;
    var finais = dias.map(function (d) { return Number(d.estoque_final); });
    var lo = Math.min(0, Math.min.apply(null, finais));
    var hi = Math.max(0, Math.max.apply(null, finais));
    if (hi === lo) { hi = lo + 1; }
    var n = Math.max(dias.length - 1, 1);
    function x(i) { return me + (L - me - md) * i / n; }
    function y(v) { return mt + (A - mt - mb) * (hi - v) / (hi - lo); }
    var svg = el("svg", {"class": "grafico", viewBox: "0 0 " + L + " " + A, role: "img",
                         "data-produto": codigo,
                         "aria-label": "Projeção de " + dias.length + " dias do produto " + codigo});
    svg.appendChild(el("title", {}, "Projeção de estoque de " + codigo));
    svg.appendChild(el("rect", {"class": "janela", x: x(0), y: mt,
                                width: x(Math.min(7, n)) - x(0), height: A - mt - mb}));
    svg.appendChild(el("line", {"class": "zero", x1: me, x2: L - md, y1: y(0), y2: y(0)}));
    svg.appendChild(el("text", {x: me - 6, y: y(hi) + 4, "text-anchor": "end"}, num(hi)));
    svg.appendChild(el("text", {x: me - 6, y: y(lo) + 4, "text-anchor": "end"}, num(lo)));
    svg.appendChild(el("polyline", {"class": "linha", points: finais.map(function (v, i) {
      return x(i).toFixed(1) + "," + y(v).toFixed(1); }).join(" ")}));
    dias.forEach(function (d, i) {
      var c = el("circle", {cx: x(i).toFixed(1), cy: y(finais[i]).toFixed(1), r: 3,
                            "class": finais[i] < 0 ? "negativo" : ""});
      c.appendChild(el("title", {}, ddmm(d.data) + ": estoque final " + num(d.estoque_final) +
                       " (saída " + num(d.saida_prevista) + ", produção " + num(d.producao_programada) + ")"));
      svg.appendChild(c);
      if (i % 7 === 0 || i === dias.length - 1) {
        svg.appendChild(el("text", {x: x(i), y: A - 8,
                                    "text-anchor": i === dias.length - 1 ? "end" : "middle"},
                           ddmm(d.data)));
      }
    });
    return svg;
  }

  function fechar(tr) {
    var prox = tr.nextElementSibling;
    if (prox && prox.classList.contains("detalhe")) { prox.remove(); }
    tr.setAttribute("aria-expanded", "false");
  }

  function abrir(tr) {
    var codigo = tr.getAttribute("data-codigo");
    var det = document.createElement("tr");
    det.className = "detalhe";
    det.setAttribute("data-produto", codigo);
    var td = document.createElement("td");
    td.colSpan = 10;
    td.textContent = "carregando a projeção…";
    det.appendChild(td);
    tr.after(det);
    tr.setAttribute("aria-expanded", "true");
    return fetch(base + "/api/produto/" + encodeURIComponent(codigo), {headers: {Accept: "application/json"}})
      .then(function (r) {
        return r.json().then(function (j) { if (!r.ok) { throw new Error(j.erro || r.status); } return j; });
      })
      .then(function (p) {
        td.textContent = "";
        var resumo = document.createElement("p");
        resumo.textContent = "Grupo " + p.codigos.join(", ") + " · " +
          (p.data_ruptura ? "ruptura prevista em " + ddmm(p.data_ruptura) : "sem ruptura no horizonte") +
          " · atualizado em " + new Date(p.atualizado_em).toLocaleString("pt-BR");
        td.appendChild(resumo);
        td.appendChild(grafico(p.cod_produto, p.projecao_29_dias));
      })
      .catch(function (e) { td.textContent = "não foi possível carregar a projeção: " + e.message; });
  }

  function alternar(tr) {
    var url = new URL(window.location.href);
    if (tr.getAttribute("aria-expanded") === "true") {
      fechar(tr);
      url.searchParams.delete("produto");
    } else {
      abrir(tr);
      url.searchParams.set("produto", tr.getAttribute("data-codigo"));
    }
    history.replaceState(null, "", url.toString());
  }

  tabela.addEventListener("click", function (ev) {
    var tr = ev.target.closest("tr.grupo");
    if (tr) { alternar(tr); }
  });
  tabela.addEventListener("keydown", function (ev) {
    var tr = ev.target.closest("tr.grupo");
    if (tr && (ev.key === "Enter" || ev.key === " ")) { ev.preventDefault(); alternar(tr); }
  });

  // ?produto=CODE (any code of the group) opens its row
  var aberto = tabela.getAttribute("data-aberto");
  if (aberto) {
    var linhas = tabela.querySelectorAll("tr.grupo");
    for (var i = 0; i < linhas.length; i++) {
      if (linhas[i].getAttribute("data-codigo") === aberto) {
        abrir(linhas[i]);
        linhas[i].scrollIntoView({block: "center"});
        break;
      }
    }
  }
})();
</script>
</body>
</html>
"""


def create_app(dsn, **config):
    """A Flask application serving the blueprint, connected with `dsn`
    (a libpq connection string); `config` adds to app.config."""
    app = Flask(__name__)
    app.config["ESTOQUE_CACHE_DSN"] = dsn
    app.config.update(config)
    app.register_blueprint(bp)
    return app
