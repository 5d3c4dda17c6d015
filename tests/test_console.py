"""The console chat does the office's work: files, messages of several lines, buttons of earlier messages, and
acting as another person (a guest, a linked contact)."""
from __future__ import annotations

import io
import re
from collections.abc import Callable

from bot.config.settings import Settings
from bot.runtime.console import run_console


class ScriptedInput:
    """Standard input whose next line may depend on what the bot has said so far (an invite code)."""

    def __init__(self, out: io.StringIO, steps: list[str | Callable[[str], str]]) -> None:
        self.out, self.steps = out, list(steps)

    def isatty(self) -> bool:
        return False

    def readline(self) -> str:
        if not self.steps:
            return ""
        step = self.steps.pop(0)
        return (step(self.out.getvalue()) if callable(step) else step) + "\n"


async def _chat(tmp_path, steps) -> str:
    out = io.StringIO()
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'c.sqlite3'}", monitor_enabled=False)
    await run_console(settings, ScriptedInput(out, steps), out)
    return out.getvalue()


async def test_a_file_is_imported_and_a_multiline_campaign_added(tmp_path):
    sheet = tmp_path / "登记表.csv"
    sheet.write_text("单位名称,域名,状态\n武定县财政局,czj.wuding.gov.cn,在用\n", encoding="utf-8")
    out = await _chat(tmp_path, [
        f"/file {sheet}", "/status 武定县财政局",
        '"""', "/campaign add", "春季清理", "2027-03-05 报送自查情况 | 各乡镇 → 县政府办", '"""',
        "/file /no/such/file.xlsx"])
    assert "导入完成" in out and "新增单位 1" in out
    assert out.index("导入完成") < out.index("czj.wuding.gov.cn [在用]")  # the script waited for the import
    assert "春季清理" in out and "2027-03-05 报送自查情况" in out
    assert "找不到文件：/no/such/file.xlsx" in out


async def test_a_button_of_an_earlier_message_can_be_pressed(tmp_path):
    def first_keyboard(out: str) -> str:
        return re.findall(r"（消息 (\d+)）", out)[0] + ".1"

    out = await _chat(tmp_path, ["/policy", "/help", first_keyboard])
    # The first keyboard is /policy's documents; pressing its first button after /help's reply opens the county notice.
    after_help = out[out.rindex("/ask"):]
    assert "各乡镇人民政府，县级有关部门" in after_help


async def test_acting_as_a_guest_and_as_a_linked_contact(tmp_path):
    sheet = tmp_path / "登记表.csv"
    sheet.write_text("单位名称,域名,状态\n武定县财政局,czj.wuding.gov.cn,在用\n武定县教育体育局,www.wdjy.cn,在用\n",
                     encoding="utf-8")

    def redeem(out: str) -> str:
        return "/start " + re.findall(r"start=([\w-]+)", out)[-1]

    out = await _chat(tmp_path, [
        f"/file {sheet}", "/invite 武定县财政局",
        "/as 访客", "/status 武定县财政局",
        "/as 20001", redeem, "/status 武定县教育体育局", "/status 武定县财政局",
        "/as 管理员", "/status 武定县教育体育局"])
    guest_part = out[out.index("用户 10002"):out.index("用户 20001")]
    assert "还没有登记为联系人" in guest_part
    contact_part = out[out.index("用户 20001"):out.index("用户 10001")]
    assert "czj.wuding.gov.cn [在用]" in contact_part and "www.wdjy.cn" not in contact_part
    admin_part = out[out.index("用户 10001"):]
    assert "www.wdjy.cn" in admin_part
