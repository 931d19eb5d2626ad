"""``/delight language`` end to end (issue 16): a channel's polls, tallies, results, digests and
answers are in its language; the change is announced there; the Home tab uses the default."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.conftest import Running, eventually, open_home, post_and_answer, published

pytestmark = pytest.mark.both_transports

# What each language's flow must show: the question, the closed poll's final line, the
# result in the thread, the thank-you after a click, the digest's headline, the announcement.
EXPECTED = {
    "en": (
        "How many customers did we delight today?",
        "Final: we delighted 9 customers · 3 of us answered. Thank you, team!",
        ":tada: Wednesday 18 November: we delighted 9 customers · 3 of us answered.",
        "Thank you! You counted 4 customers delighted today.",
        "This week we delighted 9 customers",
        "Delight speaks English in this channel from now on",
    ),
    "de": (
        "Wie viele Kundinnen und Kunden haben wir heute begeistert?",
        "Endstand: wir haben 9 Kunden begeistert · 3 von uns haben geantwortet. Danke, Team!",
        ":tada: Mittwoch, 18. November: wir haben 9 Kunden begeistert · 3 von uns haben "
        "geantwortet.",
        "Danke! Du hast heute 4 begeisterte Kunden gezählt.",
        "Diese Woche haben wir 9 Kunden begeistert",
        "Delight spricht in diesem Channel ab jetzt Deutsch",
    ),
    "fr": (
        "Combien de clients avons-nous ravis aujourd’hui ?",
        "Résultat final : nous avons ravi 9 clients · 3 d’entre nous ont répondu. Merci, "
        "l’équipe !",
        ":tada: mercredi 18 novembre : nous avons ravi 9 clients · 3 d’entre nous ont répondu.",
        "Merci ! Vous avez compté 4 clients ravis aujourd’hui.",
        "Cette semaine, nous avons ravi 9 clients",
        "Delight parle désormais français dans ce canal",
    ),
    "es": (
        "¿A cuántos clientes hemos encantado hoy?",
        "Resultado final: encantamos a 9 clientes · respondimos 3. ¡Gracias, equipo!",
        ":tada: miércoles, 18 de noviembre: encantamos a 9 clientes · respondimos 3.",
        "¡Gracias! Contaste 4 clientes encantados hoy.",
        "Esta semana encantamos a 9 clientes",
        "A partir de ahora, Delight habla español en este canal",
    ),
    "pt-BR": (
        "Quantos clientes nós encantamos hoje?",
        "Resultado final: encantamos 9 clientes · 3 de nós responderam. Obrigado, time!",
        ":tada: quarta-feira, 18 de novembro: encantamos 9 clientes · 3 de nós responderam.",
        "Obrigado! Você contou 4 clientes encantados hoje.",
        "Esta semana encantamos 9 clientes",
        "A partir de agora, o Delight fala português",
    ),
    "ja": (
        "今日、私たちは何人のお客さまを喜ばせましたか？",
        "最終結果：私たちは9人のお客さまを喜ばせました・3人が回答しました。",
        ":tada: 11月18日(水)：私たちは9人のお客さまを喜ばせました・3人が回答しました。",
        "ありがとう！今日喜ばせたお客さまを4人と記録しました。",
        "今週、私たちは9人のお客さまを喜ばせました",
        "このチャンネルでは、これから Delight が日本語を話します。",
    ),
}


@pytest.mark.parametrize("code", list(EXPECTED))
def test_a_channel_in_each_language(running: Running, code: str) -> None:
    question, final, result, thanks, headline, announced = EXPECTED[code]
    reply = running.sender.command(f"language {code}")
    assert reply.json["response_type"] == "in_channel"  # announced, like the goal
    assert announced in reply.text

    poll_id, _ = post_and_answer(running, ["2", "3", "4"])
    poll = running.slack.calls_to("chat.postMessage")[-1].params
    assert question in poll["text"]
    replies = running.slack.wait_for("response_url", 3)
    assert any(thanks in call.params["text"] for call in replies)

    running.clock.now += timedelta(days=1)
    running.sender.command("poll")
    running.slack.wait_for("chat.postMessage", 3)  # poll, result in its thread, next poll
    running.settle()
    closed = [
        call.params
        for call in running.slack.calls_to("chat.update")
        if call.params["ts"] == running.runtime.storage.get_poll(poll_id).message_ts
    ][-1]
    assert final in closed["text"]
    thread = [c for c in running.slack.calls_to("chat.postMessage") if c.params.get("thread_ts")]
    assert thread[0].params["text"] == result

    running.sender.command("digest")
    eventually(lambda: len(running.slack.calls_to("chat.postMessage")) == 4)
    digest = running.slack.calls_to("chat.postMessage")[-1].params
    assert digest["text"].startswith(headline)


def test_switching_language_redraws_the_open_poll(running: Running) -> None:
    post_and_answer(running, ["1"])
    updates = len(running.slack.calls_to("chat.update"))
    reply = running.sender.command("language de")
    assert reply.text.startswith(":speech_balloon: Delight spricht in diesem Channel ab jetzt")
    eventually(lambda: len(running.slack.calls_to("chat.update")) > updates)
    running.settle()
    redrawn = running.slack.calls_to("chat.update")[-1].params
    assert redrawn["text"].startswith("Wie viele Kundinnen und Kunden haben wir heute begeistert?")
    assert "1 Antwort bisher" in redrawn["text"]
    buttons = json.dumps(redrawn["blocks"], ensure_ascii=False)
    assert "mehr…" in buttons and "Erfolg eintragen" in buttons


def test_language_shows_the_current_one_and_default_goes_back(running: Running) -> None:
    shown = running.sender.command("language")
    assert shown.json["response_type"] == "ephemeral"
    assert "Delight speaks English in this channel, the workspace's default." in shown.text
    assert "`pt-BR` português (Brasil)" in shown.text and "`ja` 日本語" in shown.text
    running.sender.command("language ja")
    assert (
        "このチャンネルで Delight は日本語を話します。" in running.sender.command("language").text
    )
    # Errors and help answer in the channel's language too; subcommands stay English.
    assert "{command}" not in running.sender.command("frobnicate").text
    assert "`/delight poll`" in running.sender.command("help").text
    assert "今日のアンケート" in running.sender.command("help").text
    back = running.sender.command("language default")
    assert back.json["response_type"] == "in_channel"
    assert back.text.startswith(":speech_balloon: Delight speaks the workspace's default here")


def test_an_unknown_code_lists_the_codes(running: Running) -> None:
    reply = running.sender.command("language tlh")
    assert reply.text.startswith("I don't speak `tlh` yet.")
    for code in ("en", "de", "fr", "es", "pt-BR", "ja"):
        assert f"`{code}`" in reply.text


def test_home_uses_the_workspace_default(running: Running) -> None:
    running.sender.command("language de")
    running.runtime.delight.channels.default_language = "ja"
    open_home(running)
    text = json.dumps(published(running)["view"], ensure_ascii=False)
    assert "3ステップで始めましょう" in text or "Delight と共有しているチャンネル" in text
    assert "Diese Woche" not in text


def test_the_count_form_and_its_answer_speak_the_channels_language(running: Running) -> None:
    running.sender.command("language ja")
    _, block_id = post_and_answer(running, [])
    running.sender.click(block_id, "more", action_id="answer_more", user="U1")
    view = running.slack.wait_for("views.open")[-1].params["view"]
    assert view["submit"]["text"] == "記録する"
    values = {"count": {"count_input": {"type": "number_input", "value": "12"}}}
    reply = running.sender.submit("answer_more_form", values, view["private_metadata"], user="U1")
    assert "今日喜ばせたお客さまを12人と記録しました" in json.dumps(
        reply.json["view"], ensure_ascii=False
    )
    wrong = {"count": {"count_input": {"type": "number_input", "value": "x"}}}
    refused = running.sender.submit("answer_more_form", wrong, view["private_metadata"])
    assert refused.json["errors"] == {"count": "7のような整数を入力してください。"}


def test_the_outbox_tells_a_wait_in_the_channels_language(running: Running) -> None:
    """The delivery worker, not a request, words the note: in the row's channel language."""
    running.sender.command("language fr")
    running.slack.fail(
        "chat.postMessage", "ratelimited", 429, times=1, headers={"Retry-After": "1"}
    )
    assert running.sender.command("poll").status == 200
    (note,) = running.slack.wait_for("response_url", timeout=10)
    assert note.params["text"].startswith("Publication dans un instant")
    eventually(lambda: running.slack.posted("C0TEAM"))
    assert "Combien" in running.slack.posted("C0TEAM")[0].params["text"]


def test_a_poll_given_up_says_why_in_the_channels_language(running: Running) -> None:
    running.sender.command("language de")
    running.slack.fail("chat.postMessage", "restricted_action", times=1)
    assert running.sender.command("poll").status == 200
    (told,) = running.slack.wait_for("response_url", timeout=10)
    assert told.params["text"] == "Dieser Workspace lässt mich in diesem Channel nicht posten."
