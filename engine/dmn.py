"""SpiffWorkflow's DMN parser reading decision tables as dmn-js writes them: FEEL cells translated to the
engine's Python at parse time, so an untranslatable cell is a deploy error, not a runtime surprise."""

from __future__ import annotations

from SpiffWorkflow.bpmn.parser.util import first
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.dmn.parser.DMNParser import DMNParser
from SpiffWorkflow.dmn.specs.model import InputEntry

from engine import expressions, feel

DMN_NAMESPACES = {
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "https://www.omg.org/spec/DMN/20230324/MODEL/",
}
_HIT_POLICIES = {"UNIQUE", "FIRST", "ANY", "COLLECT"}  # FIRST and ANY: the first matching rule wins


class FeelDMNParser(DMNParser):
    """Spiff's DMN parser reading the cells dmn-js writes in FEEL (`>= 30`, `[30..90)`, `"ЮЛ"`, `-`)."""

    def _parse_decision_tables(self, decision, decision_element):
        super()._parse_decision_tables(decision, decision_element)
        for table_node, table in zip(decision_element.findall("dmn:decisionTable", namespaces=self.nsmap),
                                     decision.decisionTables, strict=True):
            if table.hit_policy not in _HIT_POLICIES or table_node.get("aggregation"):
                policy = " ".join(filter(None, [table.hit_policy, table_node.get("aggregation")]))
                raise ValidationException(f"decision '{decision.id}': hit policy {policy} is not supported "
                                          f"(use {', '.join(sorted(_HIT_POLICIES))})",
                                          node=table_node, file_name=self.filename)
        if not decision.decisionTables:
            raise ValidationException(f"decision '{decision.id}' has no decision table",
                                      node=decision_element, file_name=self.filename)

    def _parse_input(self, input_element):
        parsed = super()._parse_input(input_element)
        node = first(input_element.xpath("dmn:inputExpression", namespaces=self.nsmap))
        language = (node.get("expressionLanguage") or "feel").lower() if node is not None else "python"
        expression = (parsed.expression or "").strip()
        if expression and language != "python":
            try:
                parsed.expression = (expressions.to_python(expression) if expressions.is_juel(expression)
                                     else feel.literal_to_python(expression))
            except ValueError as error:
                raise ValidationException(f"input expression '{parsed.expression}' cannot be translated: {error}",
                                          node=input_element, file_name=self.filename) from error
        return parsed

    def _parse_input_output_element(self, decision_table, element, cls, idx):
        is_input = cls is InputEntry
        columns = decision_table.inputs if is_input else decision_table.outputs
        if idx >= len(columns):
            raise ValidationException("the rule has more cells than the table has columns",
                                      node=element, file_name=self.filename)
        entry = cls(element.get("id"), columns[idx])
        text = None
        for child in element:
            if not isinstance(child.tag, str):
                continue
            if child.tag.endswith("description"):
                entry.description = child.text
            elif child.tag.endswith("text"):
                text = child.text
        language = (element.get("expressionLanguage") or "feel").lower()
        try:
            if is_input:
                entry.text = text
                entry.lhs.append(self._input_cell(text, language))
            else:
                entry.text = self._output_cell(text, language)
        except ValueError as error:
            rule = element.getparent()
            rows = [r for r in rule.getparent() if isinstance(r.tag, str) and r.tag.endswith("rule")]
            column = columns[idx].label or columns[idx].name or columns[idx].id
            raise ValidationException(
                f"decision '{self.bpmn_id}', rule '{rule.get('id')}' (row {rows.index(rule) + 1}), "
                f"{'input' if is_input else 'output'} column '{column}': cannot translate '{text}': {error}",
                node=element, file_name=self.filename) from error
        return entry

    @staticmethod
    def _input_cell(text: str | None, language: str) -> str | None:
        text = (text or "").strip()
        if not text or text == "-":
            return None
        if language == "python":
            return text
        return feel.unary_test_to_python(text) or None

    @staticmethod
    def _output_cell(text: str | None, language: str) -> str:
        text = (text or "").strip()
        if not text or language == "python":
            return text
        return feel.literal_to_python(text)
