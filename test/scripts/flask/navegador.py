"""The list page in a real headless browser (Chromium): loads it from the
application served on BASE_URL, lets its JavaScript run, and checks the DOM
it leaves:

  - the first page lists critical groups first (CRÍTICO, ATENÇÃO, OK) with
    their status colour class;
  - the URL the search form submits, with a member code that is not the
    group's principal, shows that group, opened;
  - ?produto=CODE opens that group's row and draws its projection as an
    inline SVG chart with one point per day.

Usage: navegador.py BASE_URL (e.g. http://127.0.0.1:5000/estoque/saldo-estoque-v2)
Environment: ESTOQUE_DSN (the database, for the expected values), CHROMIUM
(the browser; default chromium), TMPDIR.
"""

import os
import signal
import subprocess
import sys
import tempfile
import unittest
from html.parser import HTMLParser
from urllib.parse import urlencode

import psycopg2

BASE_URL = None
DSN = os.environ["ESTOQUE_DSN"]
CHROMIUM = os.environ.get("CHROMIUM", "chromium")
RANK = {"CRÍTICO": 0, "ATENÇÃO": 1, "OK": 2}
CLASSE = {"CRÍTICO": "critico", "ATENÇÃO": "atencao", "OK": "ok"}


def sql(query, params=None):
    conn = psycopg2.connect(DSN)
    try:
        with conn.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall()
    finally:
        conn.close()


class Dom(HTMLParser):
    """The elements of a dumped DOM as (tag, attributes, parent index)."""

    VAZIOS = {"meta", "input", "br", "img", "link", "hr", "col"}

    def __init__(self, html):
        super().__init__()
        self.elementos = []
        self.pilha = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        pai = self.pilha[-1] if self.pilha else None
        self.elementos.append((tag, dict(attrs), pai))
        if tag not in self.VAZIOS:
            self.pilha.append(len(self.elementos) - 1)

    def handle_startendtag(self, tag, attrs):
        pai = self.pilha[-1] if self.pilha else None
        self.elementos.append((tag, dict(attrs), pai))

    def handle_endtag(self, tag):
        for i in range(len(self.pilha) - 1, -1, -1):
            if self.elementos[self.pilha[i]][0] == tag:
                del self.pilha[i:]
                return

    def todos(self, tag, **attrs):
        return [i for i, (t, a, _) in enumerate(self.elementos)
                if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def attrs(self, i):
        return self.elementos[i][1]

    def dentro(self, i, ancestral):
        while i is not None:
            if i == ancestral:
                return True
            i = self.elementos[i][2]
        return False

    def linhas(self):
        """(data-codigo, data-status, class, data-codigos) of the group rows."""
        return [(a.get("data-codigo"), a.get("data-status"), a.get("class", "").split(),
                 a.get("data-codigos", "").split())
                for i in self.todos("tr") for a in [self.attrs(i)]
                if "grupo" in a.get("class", "").split()]


def navegar(query, nome):
    """The DOM Chromium leaves after loading BASE_URL?query and running its
    scripts (the chart's fetch included)."""
    url = BASE_URL + ("?" + urlencode(query) if query else "")
    # Chromium puts a socket under TMPDIR: keep the path short (108 bytes at most)
    perfil = tempfile.mkdtemp(prefix="ec-chromium.", dir="/tmp")
    cmd = [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu",
           "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
           "--user-data-dir=" + os.path.join(perfil, "perfil"), "--virtual-time-budget=10000",
           "--dump-dom", url]
    log = os.path.join(os.environ.get("TMPDIR", "/tmp"), "chromium-%s.log" % nome)
    env = dict(os.environ, HOME=perfil, TMPDIR=perfil)
    with open(log, "w") as err:
        # its own process group, so that every process it starts can be stopped
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, env=env,
                                start_new_session=True)
        try:
            saida, _ = proc.communicate(timeout=90)
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
    subprocess.run(["rm", "-rf", perfil], check=False)
    html = saida.decode("utf-8", "replace")
    with open(os.path.join(os.environ.get("TMPDIR", "/tmp"), "dom-%s.html" % nome), "w") as f:
        f.write(html)
    if proc.returncode != 0 or "<table" not in html:
        raise AssertionError("chromium exit status %s for %s; see %s"
                             % (proc.returncode, url, log))
    return Dom(html)


class Pagina(unittest.TestCase):

    def assertGrafico(self, dom, principal):
        detalhes = dom.todos("tr", **{"class": "detalhe", "data-produto": principal})
        self.assertEqual(len(detalhes), 1, "the row of %s is opened" % principal)
        svgs = [i for i in dom.todos("svg", **{"data-produto": principal})
                if dom.dentro(i, detalhes[0])]
        self.assertEqual(len(svgs), 1, "an inline SVG chart in the opened row")
        self.assertIn("grafico", dom.attrs(svgs[0]).get("class", ""))
        linhas = [i for i in dom.todos("polyline") if dom.dentro(i, svgs[0])]
        self.assertEqual(len(linhas), 1)
        pontos = dom.attrs(linhas[0])["points"].split()
        self.assertEqual(len(pontos), 29, "one point per day of the projection")
        circulos = [i for i in dom.todos("circle") if dom.dentro(i, svgs[0])]
        self.assertEqual(len(circulos), 29)
        # the line follows estoque_final: lower values are drawn lower (larger y)
        finais = [r[0] for r in sql(
            "SELECT estoque_final FROM estoque_cache_projecao(%s) ORDER BY dia", (principal,))]
        ys = [float(p.split(",")[1]) for p in pontos]
        for a in range(len(finais)):
            for b in range(len(finais)):
                if finais[a] < finais[b]:
                    self.assertGreaterEqual(ys[a], ys[b])

    def test_criticos_primeiro(self):
        dom = navegar(None, "lista")
        linhas = dom.linhas()
        self.assertEqual(len(linhas), 50, "one page")
        ranks = [RANK[s] for _, s, _, _ in linhas]
        self.assertEqual(ranks, sorted(ranks), "CRÍTICO, then ATENÇÃO, then OK")
        criticos = sql("SELECT count(*) FROM estoque_cache_saldo"
                       " WHERE status_ruptura = 'CRÍTICO'")[0][0]
        self.assertGreater(criticos, 0, "the sample data has critical groups")
        self.assertEqual(ranks.count(0), min(50, criticos))
        for codigo, status, classes, _ in linhas:
            self.assertIn(CLASSE[status], classes, "row %s coloured by status" % codigo)
        self.assertEqual(dom.todos("tr", **{"class": "detalhe"}), [], "nothing opened")

    def test_busca_por_codigo_membro(self):
        principal, codigos = sql(
            "SELECT cod_produto, codigos FROM estoque_cache_saldo"
            " WHERE cardinality(codigos) > 2 ORDER BY cod_produto DESC LIMIT 1")[0]
        membro = codigos[-1]
        self.assertNotEqual(membro, principal)
        # what the search form submits
        dom = navegar([("q", membro), ("status", "")], "busca")
        linhas = dom.linhas()
        self.assertEqual([l[0] for l in linhas], [principal])
        self.assertEqual(linhas[0][3], list(codigos))
        self.assertGrafico(dom, principal)

    def test_produto_aberto_pela_url(self):
        principal, codigos = sql(
            "SELECT cod_produto, codigos FROM estoque_cache_saldo"
            " WHERE status_ruptura = 'CRÍTICO' AND cardinality(codigos) = 1"
            " ORDER BY data_ruptura DESC, cod_produto LIMIT 1")[0]
        dom = navegar([("produto", principal)], "produto")
        self.assertIn(principal, [l[0] for l in dom.linhas()])
        self.assertGrafico(dom, principal)


if __name__ == "__main__":
    # stopped by timeout(1): still stop the browser (the finally above)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    BASE_URL = sys.argv.pop(1).rstrip("/")
    resultado = unittest.main(verbosity=2, exit=False).result
    sys.exit(0 if resultado.wasSuccessful() and resultado.testsRun > 0 else 1)
