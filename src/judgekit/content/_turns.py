"""Multi-turn items: a ``conversation`` before the judged response(s), checked and mapped.

An item's ``conversation`` is a list of ``{"role", "content"}`` messages: everything the user
and the assistant said before the response (or the two responses) being judged, ending with
the user's last message (MT-Bench's second-turn judging is the model case). Roles are
``user`` and ``assistant``; one ``system`` message may come first. An item with a
conversation and no ``prompt`` gets the last user message as its ``prompt``.

A flattened dialogue (``USER: ... BOT: ...`` in one text column, as in DICES-350) is read into
a conversation by the suite's ``conversation:`` mapping (:class:`~judgekit.content._schema.
Dialogue`): each line that starts with a speaker tag and a colon opens a message of that
speaker's role; other lines continue the message before them.

Prompts show a conversation with the macros of ``core/_conversation.j2``: every message stays
inside its ``<turn>`` delimiters, and, since every string of an item is defanged, no message
can close them or fake a turn boundary. The whole conversation is data inside one user
message to the judge, not chat turns of its own: the judge reads it, it does not continue it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from judgekit.content._schema import Dialogue

FIELD = "conversation"
"""The item field holding the messages before the judged response."""
ROLES = ("system", "user", "assistant")


class TurnProblem(ValueError):
    """A conversation that cannot be used; ``args`` are ``(problem, fix)``."""


def check_conversation(value: Any, item_id: str) -> list[dict[str, str]]:
    """The conversation as plain ``{"role", "content"}`` dicts.

    Raises:
        TurnProblem: Not a list of messages, an unknown role, a ``system`` message after the
            first, content that is not text, or a last message that is not the user's.

    """
    where = f"'{FIELD}' of item {item_id!r}"
    shape = 'write it as [{"role": "user", "content": "..."}, {"role": "assistant", ...}, ...]'
    if not isinstance(value, list) or not value:
        got = "empty" if isinstance(value, list) else f"a {type(value).__name__}"
        raise TurnProblem(f"{where} is {got}, not a list of messages", shape)
    out = []
    for i, msg in enumerate(value):
        at = f"{where}, message {i + 1} ({FIELD}[{i}]"
        if not isinstance(msg, dict) or set(msg) - {"role", "content", "name"}:
            raise TurnProblem(f"{at}) is not a {{role, content}} message", shape)
        role, content = msg.get("role"), msg.get("content")
        if role not in ROLES:
            raise TurnProblem(f"{at}.role) has role {role!r}", "use 'user' or 'assistant' "
                              "(and 'system' for a first message only); map other speaker "
                              "names with the suite's 'conversation: {speakers: ...}'")
        if role == "system" and i > 0:
            raise TurnProblem(f"{at}.role) is a system message after the first message",
                              "put the system message first, or make it a user message")
        if not isinstance(content, str):
            raise TurnProblem(f"{at}.content) is {type(content).__name__}, not text",
                              "write every message's content as a string")
        out.append({"role": role, "content": content})
    if out[-1]["role"] != "user":
        raise TurnProblem(f"{where} ends with a {out[-1]['role']} message; it holds what came "
                          "before the judged response, so it ends with the user's message",
                          "end the conversation with the user message the judged response "
                          "answers (the judged response goes in 'response' / 'response_a')")
    return out


def parse_dialogue(text: Any, mapping: Dialogue, item_id: str) -> list[dict[str, str]]:
    """Read a flattened ``SPEAKER: text`` dialogue into messages (see the module docstring).

    Raises:
        TurnProblem: Not text, no speaker tag at all, or text before the first tag.

    """
    where = f"'{mapping.column}' of item {item_id!r}"
    tags = sorted(mapping.speakers, key=len, reverse=True)
    fix = (f"start every turn with one of the speaker tags {list(mapping.speakers)} and a "
           "colon, or add the missing tag to 'conversation: {speakers: ...}'")
    if not isinstance(text, str):
        raise TurnProblem(f"{where} is a {type(text).__name__}, not a dialogue text", fix)
    opener = re.compile(r"^(" + "|".join(map(re.escape, tags)) + r")[ \t]*:[ \t]?", re.M)
    starts = list(opener.finditer(text))
    if not starts:
        raise TurnProblem(f"{where} has no line starting with a speaker tag", fix)
    head = text[:starts[0].start()].strip()
    if head:
        raise TurnProblem(f"{where} starts with text before any speaker tag: {head[:60]!r}",
                          fix)
    messages = []
    for m, nxt in zip(starts, [*starts[1:], None], strict=True):
        end = nxt.start() if nxt is not None else len(text)
        messages.append({"role": mapping.speakers[m.group(1)],
                         "content": text[m.end():end].strip()})
    return messages


def last_user(conversation: list[dict[str, str]]) -> str:
    """The content of the conversation's last user message."""
    return next(m["content"] for m in reversed(conversation) if m["role"] == "user")


def trl_prompt(fields: Mapping[str, Any], prompt_column: str) -> str | list[dict[str, str]]:
    """The ``prompt`` of a TRL preference or SFT record for an item.

    A multi-turn item gives the conversational format (the message list, history kept); the
    record's ``chosen``/``rejected``/``completion`` are then ``[{"role": "assistant",
    "content": TEXT}]`` (:func:`trl_reply`). Any other item gives its prompt text.
    """
    conversation = fields.get(FIELD)
    if isinstance(conversation, list) and conversation:
        return [{"role": m["role"], "content": m["content"]} for m in conversation]
    return str(fields[prompt_column])


def trl_reply(prompt: str | list[dict[str, str]], text: str) -> str | list[dict[str, str]]:
    """A response as TRL wants it next to ``prompt``: a message list when the prompt is one."""
    return [{"role": "assistant", "content": text}] if isinstance(prompt, list) else text
