"""The four routes of examples/flask/estoque_cache_flask.py, through Flask's
test client, against a database with the sample data attached.

Run by test/scripts/flask.sh, which prepares the database and the roles:

  ESTOQUE_DSN       connection string of the test database (a superuser)
  ESTOQUE_LEITOR    a role that may read but not repair
  ESTOQUE_ADMIN     a role granted EXECUTE on estoque_cache_rebuild() and
                    estoque_cache_refresh(text)
  ESTOQUE_PORTA_MORTA  a local port nobody listens on
"""

import json
import os
import re
import sys
import unittest
from decimal import Decimal

import psycopg2

from estoque_cache_flask import STATUS, create_app

DSN = os.environ["ESTOQUE_DSN"]
LEITOR = os.environ["ESTOQUE_LEITOR"]
ADMIN = os.environ["ESTOQUE_ADMIN"]
PORTA_MORTA = os.environ["ESTOQUE_PORTA_MORTA"]
BASE = "/estoque/saldo-estoque-v2"
RANK = {s: i for i, s in enumerate(STATUS)}


def sql(query, params=None, dsn=DSN):
    """All rows of one query, in its own autocommit connection."""
    conn = psycopg2.connect(dsn)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall() if cur.description else None
    finally:
        conn.close()


def json_exato(texto):
    return json.loads(texto, parse_float=Decimal)


def linhas_da_pagina(html):
    """(cod_produto, status, codigos) of each group row of the list page."""
    return [(m.group(1), m.group(3), m.group(2).split())
            for m in re.finditer(r'<tr class="grupo[^"]*"[^>]*?data-codigo="([^"]*)"'
                                 r' data-codigos="([^"]*)" data-status="([^"]*)"', html)]


class Rotas(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.app = create_app(DSN)
        cls.cliente = cls.app.test_client()
        # a group of several codes, and one of its members that is not the principal
        cls.principal, cls.codigos = sql(
            "SELECT cod_produto, codigos FROM estoque_cache_saldo"
            " WHERE cardinality(codigos) > 1 ORDER BY cod_produto LIMIT 1")[0]
        cls.membro = cls.codigos[-1]

    def total(self):
        """Groups in the view now (a test below adds one)."""
        return sql("SELECT count(*) FROM estoque_cache_saldo")[0][0]

    def assertNaPagina(self, texto, html, msg):
        self.assertTrue(texto in html, "%s: %r is not in the page" % (msg, texto))

    def assertErroJson(self, r, status):
        self.assertEqual(r.status_code, status, r.data)
        self.assertEqual(r.mimetype, "application/json")
        corpo = r.get_json()
        self.assertIsInstance(corpo.get("erro"), str)
        texto = r.get_data(as_text=True)
        self.assertNotIn("Traceback", texto)
        self.assertNotIn('File "', texto)
        return corpo

    # ------------------------------------------------------------ list page

    def test_lista_criticos_primeiro_e_paginada(self):
        total = self.total()
        r = self.cliente.get(BASE)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.mimetype, "text/html")
        html = r.get_data(as_text=True)
        linhas = linhas_da_pagina(html)
        self.assertEqual(len(linhas), min(50, total), "one page of 50 rows")
        ranks = [RANK[s] for _, s, _ in linhas]
        self.assertEqual(ranks, sorted(ranks), "CRÍTICO, then ATENÇÃO, then OK")
        self.assertEqual(linhas[0][1], "CRÍTICO")
        self.assertNaPagina("página 1 de %d" % -(-total // 50), html, "pages")
        self.assertNotIn("http://", html.replace('"http://www.w3.org/2000/svg"', ""),
                         "no external asset")
        self.assertNotRegex(html, r'<(link|script)[^>]+(href|src)=', "no external asset")

    def test_lista_todas_as_paginas_na_ordem_do_sql(self):
        esperado = [r[0] for r in sql(
            "SELECT cod_produto FROM estoque_cache_saldo ORDER BY"
            " CASE status_ruptura WHEN 'CRÍTICO' THEN 0 WHEN 'ATENÇÃO' THEN 1 ELSE 2 END,"
            " data_ruptura NULLS LAST, previsao_ruptura_7d, cod_produto")]
        vistos = []
        pagina = 1
        while True:
            r = self.cliente.get(BASE, query_string={"pagina": pagina, "por_pagina": 100})
            linhas = linhas_da_pagina(r.get_data(as_text=True))
            if not linhas:
                break
            vistos += [c for c, _, _ in linhas]
            pagina += 1
        self.assertEqual(vistos, esperado, "the pages together are the whole view, once, in order")

    def test_filtro_por_status(self):
        contagem = dict(sql("SELECT status_ruptura, count(*) FROM estoque_cache_saldo GROUP BY 1"))
        for status in STATUS:
            r = self.cliente.get(BASE, query_string={"status": status, "por_pagina": 200})
            linhas = linhas_da_pagina(r.get_data(as_text=True))
            self.assertTrue(all(s == status for _, s, _ in linhas), status)
            self.assertEqual(len(linhas), min(200, contagem.get(status, 0)), status)

    def test_busca_por_codigo_membro(self):
        r = self.cliente.get(BASE, query_string={"q": self.membro, "status": ""})
        html = r.get_data(as_text=True)
        linhas = linhas_da_pagina(html)
        self.assertEqual([c for c, _, _ in linhas], [self.principal])
        self.assertEqual(linhas[0][2], list(self.codigos))
        self.assertNaPagina('data-aberto="%s"' % self.principal, html, "the group opens")

    def test_busca_por_nome(self):
        r = self.cliente.get(BASE, query_string={"q": "palmito", "por_pagina": 200})
        linhas = linhas_da_pagina(r.get_data(as_text=True))
        nomes = dict(sql("SELECT cod_produto, nome_produto FROM estoque_cache_saldo"
                         " WHERE nome_produto ILIKE '%palmito%'"))
        self.assertTrue(nomes)
        self.assertEqual(sorted(c for c, _, _ in linhas), sorted(nomes))

    def test_busca_sem_resultado_e_parametros_ruins(self):
        r = self.cliente.get(BASE, query_string={"q": "%_\\' na\0da", "produto": "\0",
                                                 "pagina": "x",
                                                 "status": "<b>", "por_pagina": "-3"})
        self.assertEqual(r.status_code, 200)
        html = r.get_data(as_text=True)
        self.assertEqual(linhas_da_pagina(html), [])
        self.assertNaPagina("Nenhum grupo encontrado", html, "empty")
        self.assertFalse("<b>" in html, "the status parameter is escaped")

    def test_pagina_alem_do_fim(self):
        total = self.total()
        r = self.cliente.get(BASE, query_string={"pagina": 999})
        self.assertEqual(r.status_code, 200)
        html = r.get_data(as_text=True)
        self.assertEqual(linhas_da_pagina(html), [])
        self.assertNaPagina("Todos (%d)" % total, html, "the counts still show")
        self.assertRegex(html, r'pagina=%d"[^>]*rel="prev"' % -(-total // 50),
                         "back to the last page")

    def test_produto_aberto_fora_da_pagina(self):
        ultimo = sql("SELECT cod_produto FROM estoque_cache_saldo ORDER BY"
                     " CASE status_ruptura WHEN 'OK' THEN 0 ELSE 1 END,"
                     " previsao_ruptura_7d DESC LIMIT 1")[0][0]
        r = self.cliente.get(BASE, query_string={"produto": ultimo})
        html = r.get_data(as_text=True)
        self.assertEqual(linhas_da_pagina(html)[0][0], ultimo)
        self.assertNaPagina('data-aberto="%s"' % ultimo, html, "the group opens")

    # ------------------------------------------------------------ JSON routes

    def test_api_produto_por_membro(self):
        r = self.cliente.get(BASE + "/api/produto/" + self.membro)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.mimetype, "application/json")
        esperado = sql("SELECT estoque_cache_produto(%s)::text", (self.membro,))[0][0]
        self.assertEqual(json_exato(r.get_data(as_text=True)), json_exato(esperado),
                         "the extension's jsonb as it is")
        corpo = r.get_json()
        self.assertEqual(corpo["cod_produto"], self.principal)
        self.assertEqual(len(corpo["projecao_29_dias"]), 29)

    def test_api_produto_desconhecido(self):
        for codigo in ("NAO-EXISTE", "0004310001", "a/b", "' OR 1=1 --", "a\0b"):
            r = self.cliente.get(BASE + "/api/produto/"
                                 + codigo.replace("/", "%2F").replace("\0", "%00"))
            corpo = self.assertErroJson(r, 404)
            self.assertEqual(corpo.get("cod_produto"), codigo)

    def test_status_cache(self):
        r = self.cliente.get(BASE + "/status-cache")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.mimetype, "application/json")
        corpo = r.get_json()
        esperado = json.loads(sql("SELECT estoque_cache_status()::text")[0][0])
        self.assertEqual(sorted(corpo), sorted(esperado))
        for chave in ("versao", "grupos", "codigos", "fontes", "configuracao"):
            self.assertEqual(corpo[chave], esperado[chave], chave)

    # ------------------------------------------------------------ the repair route

    def post(self, cliente, corpo=None, **kw):
        if corpo is not None:
            kw["json"] = corpo
        return cliente.post(BASE + "/atualizar-cache", **kw)

    def test_atualizar_corpo_invalido(self):
        c = self.cliente
        casos = [
            ("sem corpo", {}),
            ("texto", {"data": "tipo=completo", "content_type": "text/plain"}),
            ("formulário", {"data": {"tipo": "completo"}}),
            ("JSON quebrado", {"data": '{"tipo": "completo"', "content_type": "application/json"}),
            ("lista", {"json": ["completo"]}),
            ("sem tipo", {"json": {}}),
            ("tipo desconhecido", {"json": {"tipo": "tudo"}}),
            ("tipo não texto", {"json": {"tipo": {"a": 1}}}),
            ("produto sem código", {"json": {"tipo": "produto"}}),
            ("código vazio", {"json": {"tipo": "produto", "cod_produto": "  "}}),
            ("código booleano", {"json": {"tipo": "produto", "cod_produto": True}}),
            ("código lista", {"json": {"tipo": "produto", "cod_produto": ["1"]}}),
            ("código com NUL", {"json": {"tipo": "produto", "cod_produto": "43\u000010"}}),
        ]
        for nome, kw in casos:
            with self.subTest(nome):
                self.assertErroJson(self.post(c, **kw), 400)

    def test_atualizar_recusado_sem_privilegio(self):
        antes = sql("SELECT estoque_cache_status()->'ultimo_rebuild'")[0][0]
        leitor = create_app(DSN + " user=" + LEITOR).test_client()
        for corpo, funcao in (({"tipo": "completo"}, "estoque_cache_rebuild()"),
                              ({"tipo": "produto", "cod_produto": self.membro},
                               "estoque_cache_refresh(text)")):
            with self.subTest(corpo["tipo"]):
                erro = self.assertErroJson(self.post(leitor, corpo), 403)
                self.assertEqual(erro.get("funcao"), funcao)
        self.assertEqual(sql("SELECT estoque_cache_status()->'ultimo_rebuild'")[0][0], antes,
                         "no rebuild ran")
        # the same role reads
        self.assertEqual(leitor.get(BASE + "/status-cache").status_code, 200)
        self.assertEqual(leitor.get(BASE).status_code, 200)

    def test_atualizar_produto_repara(self):
        # movements the cache does not see: written with its triggers disabled
        # (enabled again at the end: that would correct the attachment too)
        sql("ALTER TABLE movimentacao_estoque DISABLE TRIGGER USER")
        try:
            self._atualizar_produto_repara()
        finally:
            sql("ALTER TABLE movimentacao_estoque ENABLE TRIGGER USER")

    def _atualizar_produto_repara(self):
        sql("INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao,"
            "   tipo_movimentacao, data_movimentacao, ativo)"
            " VALUES (%s, 12.5, 'AJUSTE', current_date, true)", (self.membro,))
        self.assertTrue(sql("SELECT * FROM estoque_cache_verify(%s)", (self.membro,)))
        admin = create_app(DSN + " user=" + ADMIN).test_client()
        r = self.post(admin, {"tipo": "produto", "cod_produto": self.membro})
        self.assertEqual(r.status_code, 200, r.data)
        corpo = r.get_json()
        self.assertEqual(corpo["principal"], self.principal)
        self.assertEqual(corpo["cod_produto"], self.membro)
        self.assertGreater(corpo["linhas_corrigidas"], 0)
        self.assertEqual(sql("SELECT * FROM estoque_cache_verify(%s)", (self.membro,)), [])
        # an integer code, as the links table keeps them
        r = self.post(admin, {"tipo": "produto", "cod_produto": int(self.membro)})
        self.assertEqual(r.status_code, 200, r.data)
        self.assertEqual(r.get_json()["linhas_corrigidas"], 0)
        # a code nobody knows
        erro = self.assertErroJson(self.post(admin, {"tipo": "produto",
                                                     "cod_produto": "NAO-EXISTE"}), 404)
        self.assertEqual(erro.get("cod_produto"), "NAO-EXISTE")
        # a code only the sources have (written around the triggers) is repaired
        sql("INSERT INTO movimentacao_estoque (cod_produto, qtd_movimentacao,"
            "   tipo_movimentacao, data_movimentacao, ativo)"
            " VALUES ('NOVO-FLASK', 4, 'AJUSTE', current_date, true)")
        r = self.post(admin, {"tipo": "produto", "cod_produto": "NOVO-FLASK"})
        self.assertEqual(r.status_code, 200, r.data)
        self.assertGreater(r.get_json()["linhas_corrigidas"], 0)
        self.assertEqual(self.cliente.get(BASE + "/api/produto/NOVO-FLASK").status_code, 200)

    def test_atualizar_completo(self):
        admin = create_app(DSN + " user=" + ADMIN).test_client()
        r = self.post(admin, {"tipo": "completo"})
        self.assertEqual(r.status_code, 200, r.data)
        self.assertEqual(r.mimetype, "application/json")
        corpo = r.get_json()
        for chave in ("grupos", "codigos", "linhas_corrigidas", "duracao_ms"):
            self.assertIn(chave, corpo)
        ultimo = sql("SELECT estoque_cache_status()->'ultimo_rebuild'")[0][0]
        self.assertEqual(ultimo["por"], ADMIN, "the rebuild ran as the application's role")
        self.assertEqual(sql("SELECT count(*) FROM estoque_cache_verify()")[0][0], 0)

    # ------------------------------------------------------------ database errors

    def test_banco_fora_do_ar(self):
        morto = create_app("host=127.0.0.1 port=%s dbname=nada connect_timeout=3"
                           % PORTA_MORTA).test_client()
        pedidos = [("GET", BASE, None), ("GET", BASE + "/api/produto/4310001", None),
                   ("GET", BASE + "/status-cache", None),
                   ("POST", BASE + "/atualizar-cache", {"tipo": "completo"})]
        for metodo, url, corpo in pedidos:
            with self.subTest(url):
                r = morto.open(url, method=metodo, json=corpo)
                erro = self.assertErroJson(r, 503)
                self.assertRegex(erro.get("sqlstate") or "", r"^08[0-9A-Z]{3}$")
                self.assertNotIn(PORTA_MORTA, r.get_data(as_text=True),
                                 "no connection details for the client")

    def test_erro_sql_da_sqlstate(self):
        # the extension's functions are not on this search_path: 42883
        cliente = create_app(DSN + " options='-c search_path=pg_catalog'").test_client()
        for url in (BASE, BASE + "/api/produto/4310001", BASE + "/status-cache"):
            with self.subTest(url):
                erro = self.assertErroJson(cliente.get(url), 503)
                self.assertIn(erro.get("sqlstate"), ("42883", "42P01"))

    def test_conexoes_reaproveitadas(self):
        nome = "regress_flask_pool"
        app = create_app(DSN + " application_name=" + nome)
        cliente = app.test_client()
        for i in range(20):
            url = (BASE, BASE + "/status-cache", BASE + "/api/produto/" + self.membro)[i % 3]
            self.assertEqual(cliente.get(url).status_code, 200, url)
        self.assertEqual(sql("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                             (nome,))[0][0], 1, "one pooled connection served every request")
        app.extensions["estoque_cache"].fechar()

    def test_conexao_guardada_que_caiu(self):
        nome = "regress_flask_reconexao"
        app = create_app(DSN + " application_name=" + nome)
        cliente = app.test_client()
        self.assertEqual(cliente.get(BASE + "/status-cache").status_code, 200)
        # the server ends the kept connection (as a restart would)
        self.assertEqual(sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                             " WHERE application_name = %s", (nome,))[0][0], 1)
        for url in (BASE, BASE + "/status-cache"):
            self.assertEqual(cliente.get(url).status_code, 200, url)
        admin = create_app(DSN + " user=" + ADMIN + " application_name=" + nome)
        cliente = admin.test_client()
        self.assertEqual(cliente.get(BASE + "/status-cache").status_code, 200)
        sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = %s", (nome,))
        r = self.post(cliente, {"tipo": "produto", "cod_produto": self.membro})
        self.assertEqual(r.status_code, 200, r.data)
        app.extensions["estoque_cache"].fechar()
        admin.extensions["estoque_cache"].fechar()


if __name__ == "__main__":
    resultado = unittest.main(verbosity=2, exit=False).result
    sys.exit(0 if resultado.wasSuccessful() and resultado.testsRun > 0 else 1)
