#include "cli/docgen.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace automata::cli {
namespace {

// What CLI11 does not know about a value: its name in help, and what a shell
// should offer for it. `command` "*" means every command (global options, and
// the RUN positional that several commands share); `name` is an option's long
// name or a positional's name. Choices are only needed where no IsMember
// check lists them (a workflow may define signals of its own, so `signal`
// cannot check its NAME against a set).
struct ValueHint {
  std::string_view command;
  std::string_view name;
  std::string_view metavar;
  ValueKind kind;
  std::string_view choices;  // space-separated
};

constexpr ValueHint k_value_hints[] = {
    {"*", "--output", "MODE", ValueKind::none, ""},
    {"*", "--jobs", "N", ValueKind::none, ""},
    {"*", "--home", "DIR", ValueKind::directory, ""},
    {"*", "--junit", "FILE", ValueKind::file, ""},
    {"*", "--config", "FILE", ValueKind::file, ""},
    {"*", "--durability", "MODE", ValueKind::none, ""},
    {"*", "run", "RUN", ValueKind::run, ""},
    {"run", "workflow", "WORKFLOW", ValueKind::file, ""},
    {"run", "--input", "KEY=VALUE", ValueKind::none, ""},
    {"run", "--inputs-file", "FILE", ValueKind::file, ""},
    {"run", "--run-id", "ID", ValueKind::none, ""},
    {"run", "--if-exists", "ACTION", ValueKind::none, ""},
    {"resume", "--from", "STEP", ValueKind::none, ""},
    {"runs", "--status", "STATUS", ValueKind::none, ""},
    {"runs", "--limit", "N", ValueKind::none, ""},
    {"logs", "step", "STEP", ValueKind::none, ""},
    {"signal", "name", "NAME", ValueKind::choice, "pause resume cancel rollback"},
    {"signal", "--data", "JSON", ValueKind::none, ""},
    {"validate", "files", "FILE", ValueKind::file, ""},
    {"graph", "file", "WORKFLOW", ValueKind::file, ""},
    {"graph", "--format", "FORMAT", ValueKind::none, ""},
    {"agent", "--workflow", "FILE", ValueKind::file, ""},
    {"workflows", "name", "NAME", ValueKind::none, ""},
    {"completions", "shell", "SHELL", ValueKind::choice, "bash zsh fish"},
    {"help", "command", "COMMAND", ValueKind::none, ""},
};

const ValueHint* find_hint(std::string_view command, const OptionDoc& option) {
  for (const auto& hint : k_value_hints) {
    if (hint.command != "*" && hint.command != command) {
      continue;
    }
    const bool named = std::find(option.names.begin(), option.names.end(), hint.name) != option.names.end();
    if (named || (!option.positional.empty() && option.positional == hint.name)) {
      return &hint;
    }
  }
  return nullptr;
}

std::vector<std::string> split_words(std::string_view text, char separator) {
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find(separator, start), text.size());
    if (end > start) {
      words.emplace_back(text.substr(start, end - start));
    }
    start = end + 1;
  }
  return words;
}

// CLI11 appends each check's description to the type name, and IsMember's is
// the set: "TEXT:{auto,tty,plain,json}".
std::vector<std::string> choices_of(const CLI::Option& option) {
  const std::string type = option.get_type_name();
  const auto open = type.find(":{");
  if (open == std::string::npos) {
    return {};
  }
  const auto close = type.find('}', open);
  if (close == std::string::npos) {
    return {};
  }
  return split_words(std::string_view(type).substr(open + 2, close - open - 2), ',');
}

std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

OptionDoc describe_option(std::string_view command, const CLI::Option& option) {
  OptionDoc doc;
  for (const auto& name : option.get_snames()) {
    doc.names.push_back("-" + name);
  }
  for (const auto& name : option.get_lnames()) {
    doc.names.push_back("--" + name);
  }
  if (doc.names.empty()) {
    doc.positional = option.get_name(true, false);
  }
  doc.help = option.get_description();
  doc.required = option.get_required();
  const bool takes_value = option.get_items_expected_max() > 0 || !doc.positional.empty();
  doc.repeatable = option.get_items_expected_max() > 1;
  doc.choices = choices_of(option);
  doc.closed_choices = !doc.choices.empty();
  if (takes_value) {
    const std::string type = option.get_type_name();
    const bool numeric = type.rfind("INT", 0) == 0 || type.rfind("UINT", 0) == 0 || type.rfind("FLOAT", 0) == 0;
    doc.metavar = !doc.positional.empty() ? upper(doc.positional) : numeric ? "N" : "VALUE";
  }
  if (const ValueHint* hint = find_hint(command, doc); hint != nullptr) {
    if (takes_value && !hint->metavar.empty()) {
      doc.metavar = hint->metavar;
    }
    doc.kind = hint->kind;
    if (doc.choices.empty() && !hint->choices.empty()) {
      doc.choices = split_words(hint->choices, ' ');
    }
  }
  if (!doc.choices.empty()) {
    doc.kind = ValueKind::choice;
  }
  return doc;
}

CommandDoc describe_command(const CLI::App& app, bool with_help) {
  CommandDoc doc;
  doc.name = app.get_name();
  doc.help = app.get_description();
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_group().empty() || (!with_help && option == app.get_help_ptr())) {
      continue;
    }
    OptionDoc described = describe_option(doc.name, *option);
    (described.positional.empty() ? doc.options : doc.positionals).push_back(std::move(described));
  }
  return doc;
}

bool takes_value(const OptionDoc& option) { return !option.metavar.empty(); }

// ---- bash ----------------------------------------------------------------

std::string joined(const std::vector<std::string>& words) { return fmt::format("{}", fmt::join(words, " ")); }

std::vector<std::string> option_words(const std::vector<OptionDoc>& options) {
  std::vector<std::string> words;
  for (const auto& option : options) {
    words.insert(words.end(), option.names.begin(), option.names.end());
  }
  return words;
}

std::vector<std::string> value_patterns(std::string_view command, const std::vector<OptionDoc>& options) {
  std::vector<std::string> patterns;
  for (const auto& option : options) {
    if (!takes_value(option)) {
      continue;
    }
    for (const auto& name : option.names) {
      patterns.push_back(fmt::format("{}:{}", command, name));
    }
  }
  return patterns;
}

std::string bash_reply(const std::string& program, const OptionDoc& value) {
  switch (value.kind) {
    case ValueKind::file:
      return fmt::format("_{}_reply_files", program);
    case ValueKind::directory:
      return fmt::format("_{}_reply_dirs", program);
    case ValueKind::run:
      return fmt::format("_{}_reply_runs", program);
    case ValueKind::choice:
      return fmt::format("_{}_reply_words \"{}\"", program, joined(value.choices));
    case ValueKind::none:
      break;
  }
  return ":";
}

std::string bash_script(const AppDoc& doc) {
  std::string out = fmt::format(R"~(# bash completion for {0}
# Generated by `{0} completions bash` from the command definitions: do not edit.
# Install: {0} completions bash > ~/.local/share/bash-completion/completions/{0}

_{0}_reply_words() {{ COMPREPLY=($(compgen -W "$1" -- "$cur")); }}
_{0}_reply_files() {{ local IFS=$'\n'; compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); }}
_{0}_reply_dirs() {{ local IFS=$'\n'; compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")); }}
# Run ids from the binary being completed, newest first, and 'last'.
_{0}_reply_runs() {{
    local runs
    runs=$("${{COMP_WORDS[0]}}" runs --output json --limit 50 2>/dev/null | sed -n 's/.*"run":"\([^"]*\)".*/\1/p')
    _{0}_reply_words "last $runs"
}}

# Does option $2 take a value, when the subcommand is $1 ('' before it)?
_{0}_takes_value() {{
    case "$1:$2" in
)~",
                                doc.name);
  const auto value_options = [&out](std::string_view command, const std::vector<OptionDoc>& options) {
    if (const auto patterns = value_patterns(command, options); !patterns.empty()) {
      out += fmt::format("        {}) return 0 ;;\n", fmt::join(patterns, "|"));
    }
  };
  value_options("*", doc.global_options);
  for (const auto& command : doc.commands) {
    value_options(command.name, command.options);
  }
  out += fmt::format(R"~(    esac
    return 1
}}

_{0}() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}}
    local cmd="" npos=0 i word
    if [ "$prev" = "=" ] && [ "$COMP_CWORD" -gt 2 ]; then
        prev=${{COMP_WORDS[COMP_CWORD-2]}}
    fi
    # The subcommand is the first word that is neither an option nor an option's value.
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${{COMP_WORDS[i]}}
        if _{0}_takes_value "$cmd" "$word"; then
            # --opt=value arrives as three words: bash breaks words at '='.
            if [ "${{COMP_WORDS[i+1]}}" = "=" ]; then i=$((i + 2)); else i=$((i + 1)); fi
        elif [[ $word == -* ]]; then
            :
        elif [ -z "$cmd" ]; then
            cmd=$word
        else
            npos=$((npos + 1))
        fi
    done
    if [ "$COMP_CWORD" -gt 1 ] && _{0}_takes_value "$cmd" "$prev"; then
        case "$cmd:$prev" in
)~",
                     doc.name);
  const auto value_case = [&out, &doc](std::string_view command, const OptionDoc& option) {
    if (!takes_value(option) || option.kind == ValueKind::none) {
      return;
    }
    std::vector<std::string> patterns;
    for (const auto& name : option.names) {
      patterns.push_back(fmt::format("{}:{}", command, name));
    }
    out += fmt::format("            {}) {} ;;\n", fmt::join(patterns, "|"), bash_reply(doc.name, option));
  };
  for (const auto& command : doc.commands) {
    for (const auto& option : command.options) {
      value_case(command.name, option);
    }
  }
  for (const auto& option : doc.global_options) {
    value_case("*", option);
  }
  const auto global_words = joined(option_words(doc.global_options));
  out += fmt::format(R"~(        esac
        return 0
    fi
    if [[ $cur == -* ]]; then
        case $cmd in
            "") _{0}_reply_words "{1}" ;;
)~",
                     doc.name, global_words);
  for (const auto& command : doc.commands) {
    out += fmt::format("            {}) _{}_reply_words \"{}\" ;;\n", command.name, doc.name,
                       joined(option_words(command.options)) + (command.options.empty() ? "" : " ") + global_words);
  }
  std::vector<std::string> command_names;
  for (const auto& command : doc.commands) {
    command_names.push_back(command.name);
  }
  out += fmt::format(R"~(        esac
        return 0
    fi
    case "$cmd:$npos" in
        :*) _{0}_reply_words "{1}" ;;
)~",
                     doc.name, joined(command_names));
  for (const auto& command : doc.commands) {
    for (std::size_t index = 0; index < command.positionals.size(); ++index) {
      const auto& positional = command.positionals[index];
      if (positional.kind == ValueKind::none) {
        continue;
      }
      const std::string pattern = positional.repeatable ? fmt::format("{}:*", command.name)
                                                        : fmt::format("{}:{}", command.name, index);
      out += fmt::format("        {}) {} ;;\n", pattern, bash_reply(doc.name, positional));
    }
  }
  out += fmt::format(R"~(    esac
    return 0
}}
complete -F _{0} {0}
)~",
                     doc.name);
  return out;
}

// ---- zsh -----------------------------------------------------------------

// Inside a single-quoted zsh word, and inside _arguments' [description].
std::string zsh_description(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else if (c == '[' || c == ']' || c == ':' || c == '\\') {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

std::string zsh_action(const std::string& program, const OptionDoc& value) {
  switch (value.kind) {
    case ValueKind::file:
      return "_files";
    case ValueKind::directory:
      return "_files -/";
    case ValueKind::run:
      return fmt::format("_{}_runs", program);
    case ValueKind::choice:
      return fmt::format("({})", joined(value.choices));
    case ValueKind::none:
      break;
  }
  return " ";
}

std::string zsh_option_spec(const std::string& program, const OptionDoc& option) {
  const std::string value =
      takes_value(option) ? fmt::format(":{}:{}", option.metavar, zsh_action(program, option)) : "";
  const std::string help = zsh_description(option.help);
  const bool exits = option.names.back() == "--help" || option.names.back() == "--version";
  if (option.names.size() == 1 || option.repeatable) {
    if (option.repeatable) {
      // '*' allows the option again; no exclusion group, or the second use is refused.
      std::string specs;
      for (const auto& name : option.names) {
        specs += fmt::format("{}'*{}{}[{}]{}'", specs.empty() ? "" : " ", name, name.size() == 2 ? "+" : "=", help,
                             value);
      }
      return specs;
    }
    const std::string& name = option.names.front();
    const std::string suffix = !takes_value(option) ? "" : name.size() == 2 ? "+" : "=";
    return fmt::format("'{}{}{}[{}]{}'", exits ? "(- *)" : "", name, suffix, help, value);
  }
  std::vector<std::string> names;
  for (const auto& name : option.names) {
    names.push_back(name + (!takes_value(option) ? "" : name.size() == 2 ? "+" : "="));
  }
  const std::string exclusion = exits ? "(- *)" : fmt::format("({})", joined(option.names));
  return fmt::format("'{}'{{{}}}'[{}]{}'", exclusion, fmt::join(names, ","), help, value);
}

std::string zsh_script(const AppDoc& doc) {
  std::string out = fmt::format(R"~(#compdef {0}
# zsh completion for {0}
# Generated by `{0} completions zsh` from the command definitions: do not edit.
# Install: {0} completions zsh > "${{fpath[1]}}/_{0}"

# Run ids from the binary being completed, newest first, and 'last'.
_{0}_runs() {{
  local -a runs
  local list
  list=$(_call_program runs $_{0}_program runs --output json --limit 50 2>/dev/null)
  runs=(last ${{(f)"$(print -r -- "$list" | sed -n 's/.*"run":"\([^"]*\)".*/\1/p')"}})
  _describe -t runs 'run' runs
}}

_{0}() {{
  local curcontext="$curcontext" state line ret=1
  local _{0}_program=${{words[1]}}
  typeset -A opt_args
  local -a global_opts
  global_opts=(
)~",
                                doc.name);
  for (const auto& option : doc.global_options) {
    out += fmt::format("    {}\n", zsh_option_spec(doc.name, option));
  }
  out += R"~(  )
  _arguments -C -s : $global_opts \
    '1:command:->command' \
    '*::argument:->argument' && ret=0
  case $state in
    command)
      local -a commands
      commands=(
)~";
  for (const auto& command : doc.commands) {
    out += fmt::format("        '{}:{}'\n", command.name, zsh_description(command.help));
  }
  out += fmt::format(R"~(      )
      _describe -t commands '{0} command' commands && ret=0
      ;;
    argument)
      curcontext="${{curcontext%:*:*}}:{0}-$line[1]:"
      case $line[1] in
)~",
                     doc.name);
  for (const auto& command : doc.commands) {
    out += fmt::format("        ({})\n          _arguments -s : $global_opts", command.name);
    for (const auto& option : command.options) {
      out += fmt::format(" \\\n            {}", zsh_option_spec(doc.name, option));
    }
    for (std::size_t index = 0; index < command.positionals.size(); ++index) {
      const auto& positional = command.positionals[index];
      // "N::" marks an optional positional; "*:" takes every remaining word.
      const std::string position = positional.repeatable    ? "*"
                                   : positional.required ? std::to_string(index + 1)
                                                         : std::to_string(index + 1) + ":";
      out += fmt::format(" \\\n            '{}:{}:{}'", position, positional.metavar, zsh_action(doc.name, positional));
    }
    out += " && ret=0\n          ;;\n";
  }
  out += fmt::format(R"~(      esac
      ;;
  esac
  return ret
}}

_{0} "$@"
)~",
                     doc.name);
  return out;
}

// ---- fish ----------------------------------------------------------------

std::string fish_quoted(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "'";
}

// The flags saying what fish offers as the value of an option or positional.
std::string fish_value_flags(const std::string& program, const OptionDoc& option) {
  // -r (an option requires a value) means nothing for a positional.
  const std::string requires_value = option.positional.empty() ? " -r" : "";
  switch (option.kind) {
    case ValueKind::file:
      return requires_value + " -F";
    case ValueKind::directory:
      return requires_value + " -f -a '(__fish_complete_directories (commandline -ct))'";
    case ValueKind::run:
      return requires_value + fmt::format(" -f -a '(__{}_runs)'", program);
    case ValueKind::choice:
      return requires_value + fmt::format(" -f -a {}", fish_quoted(joined(option.choices)));
    case ValueKind::none:
      break;
  }
  return requires_value + " -f";
}

std::string fish_line(const std::string& program, const std::string& condition, const OptionDoc& option) {
  std::string line = fmt::format("complete -c {}", program);
  if (!condition.empty()) {
    line += fmt::format(" -n {}", fish_quoted(condition));
  }
  for (const auto& name : option.names) {
    if (name.size() == 2) {
      line += fmt::format(" -s {}", name.substr(1));
    } else {
      line += fmt::format(" -l {}", name.substr(2));
    }
  }
  if (takes_value(option)) {
    line += fish_value_flags(program, option);
  }
  const std::string& help = option.positional.empty() ? option.help : option.metavar;
  return line + fmt::format(" -d {}\n", fish_quoted(help));
}

std::string fish_script(const AppDoc& doc) {
  std::string out = fmt::format(R"~(# fish completion for {0}
# Generated by `{0} completions fish` from the command definitions: do not edit.
# Install: {0} completions fish > ~/.config/fish/completions/{0}.fish

# Run ids from the binary being completed, newest first, and 'last'.
function __{0}_runs
    set -l program (commandline -opc)[1]
    echo last
    $program runs --output json --limit 50 2>/dev/null | sed -n 's/.*"run":"\([^"]*\)".*/\1/p'
end

# Does option $argv[2] take a value, when the subcommand is $argv[1] ('' before it)?
function __{0}_takes_value
    switch "$argv[1]:$argv[2]"
)~",
                                doc.name);
  const auto value_options = [&out](std::string_view command, const std::vector<OptionDoc>& options) {
    std::vector<std::string> patterns;
    for (const auto& pattern : value_patterns(command, options)) {
      patterns.push_back(fish_quoted(pattern));
    }
    if (!patterns.empty()) {
      out += fmt::format("        case {}\n            return 0\n", joined(patterns));
    }
  };
  value_options("*", doc.global_options);
  for (const auto& command : doc.commands) {
    value_options(command.name, command.options);
  }
  out += fmt::format(R"~(    end
    return 1
end

# __{0}_at COMMAND N: true when completing the Nth (from 0; '*' for any)
# positional argument of COMMAND ('' for the subcommand itself).
function __{0}_at
    set -l words (commandline -opc)
    set -e words[1]
    set -l command ''
    set -l count 0
    set -l skip 0
    for word in $words
        if test $skip = 1
            set skip 0
        else if __{0}_takes_value "$command" $word
            set skip 1
        else if string match -q -- '-*' $word
            continue
        else if test -z "$command"
            set command $word
        else
            set count (math $count + 1)
        end
    end
    test "$command" = "$argv[1]"; or return 1
    test "$argv[2]" = '*'; or test $count = $argv[2]
end

complete -c {0} -f
)~",
                     doc.name);
  for (const auto& option : doc.global_options) {
    out += fish_line(doc.name, "", option);
  }
  for (const auto& command : doc.commands) {
    out += fmt::format("complete -c {0} -n '__{0}_at \"\" 0' -a {1} -d {2}\n", doc.name, command.name,
                       fish_quoted(command.help));
  }
  for (const auto& command : doc.commands) {
    const std::string any = fmt::format("__{} {} '*'", doc.name + "_at", command.name);
    for (const auto& option : command.options) {
      out += fish_line(doc.name, any, option);
    }
    for (std::size_t index = 0; index < command.positionals.size(); ++index) {
      const OptionDoc& positional = command.positionals[index];
      if (positional.kind == ValueKind::none) {
        continue;
      }
      const std::string at = positional.repeatable ? any : fmt::format("__{}_at {} {}", doc.name, command.name, index);
      out += fish_line(doc.name, at, positional);
    }
  }
  return out;
}

// ---- man -----------------------------------------------------------------

// Text for roff: backslashes escaped, and a line never starts with a control character.
std::string roff(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (const char c : text) {
    if (line_start && (c == '.' || c == '\'')) {
      out += "\\&";
    }
    if (c == '\\') {
      out += "\\e";
    } else {
      out += c;
    }
    line_start = c == '\n';
  }
  return out;
}

// An option or command word: dashes are minus signs, so they copy and search as typed.
std::string roff_literal(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '-') {
      out += "\\-";
    } else if (c == '\\') {
      out += "\\e";
    } else {
      out += c;
    }
  }
  return out;
}

std::string man_option_item(const OptionDoc& option) {
  std::string head;
  if (!option.positional.empty()) {
    head = fmt::format("\\fI{}\\fR{}", roff_literal(option.metavar), option.repeatable ? " ..." : "");
  } else {
    std::vector<std::string> names;
    for (const auto& name : option.names) {
      names.push_back(fmt::format("\\fB{}\\fR", roff_literal(name)));
    }
    head = fmt::format("{}", fmt::join(names, ", "));
    if (takes_value(option)) {
      head += fmt::format(" \\fI{}\\fR", roff_literal(option.metavar));
    }
  }
  std::string help = option.help;
  if (!help.empty() && help.back() != '.') {
    help += '.';
  }
  // Suggested values (the built-in signal names) are not the only ones: not listed as such.
  const bool listed = !option.closed_choices ||
                      std::all_of(option.choices.begin(), option.choices.end(),
                                  [&](const std::string& choice) { return help.find(choice) != std::string::npos; });
  std::string choices;
  if (!listed) {
    std::vector<std::string> words;
    for (const auto& choice : option.choices) {
      words.push_back(fmt::format("\\fB{}\\fR", roff_literal(choice)));
    }
    choices = fmt::format("\nOne of: {}.", fmt::join(words, ", "));
  }
  return fmt::format(".TP\n{}\n{}{}\n", head, roff(help), choices);
}

std::string command_synopsis(const AppDoc& doc, const CommandDoc& command) {
  std::string text = fmt::format("{} {}", doc.name, command.name);
  if (!command.options.empty()) {
    text += " [\\fIoptions\\fR]";
  }
  for (const auto& positional : command.positionals) {
    const std::string word =
        fmt::format("\\fI{}\\fR{}", roff_literal(positional.metavar), positional.repeatable ? "..." : "");
    text += positional.required ? " " + word : " [" + word + "]";
  }
  return text;
}

struct Entry {
  std::string_view term;
  std::string_view text;
};

constexpr Entry k_exit_codes[] = {
    {"0", "The run (or command) succeeded."},
    {"1", "The run finished and failed: a step failed and was not allowed to."},
    {"2", "Usage error, or an invalid workflow or input: nothing was run."},
    {"3", "The run was cancelled (by a signal or \\fBautomata cancel\\fR)."},
    {"4", "The run is paused or waiting for a signal; \\fBautomata resume\\fR continues it."},
    {"5", "Infrastructure error: store unreachable, lock held, journal unreadable."},
    {"130", "Interrupted by SIGINT or SIGTERM; the run is resumable."},
};

constexpr Entry k_environment[] = {
    {"NO_COLOR", "When set and not empty, no colors. Wins over \\fBFORCE_COLOR\\fR and \\fBCLICOLOR_FORCE\\fR; "
                 "\\fB\\-\\-no\\-color\\fR wins over all three."},
    {"FORCE_COLOR", "When set and not \\fB0\\fR, colors even when the output is not a terminal."},
    {"CLICOLOR_FORCE", "Same as \\fBFORCE_COLOR\\fR."},
    {"AUTOMATA_HOME", "The run store directory, as \\fB\\-\\-home\\fR; wins over a config file's \\fBhome\\fR."},
    {"AUTOMATA_OUTPUT_MODE", "The output mode, as \\fB\\-\\-output\\fR."},
    {"AUTOMATA_JOBS", "Steps run at once, 1 to 4096, as \\fB\\-\\-jobs\\fR."},
    {"AUTOMATA_DURABILITY", "Journal durability, \\fBgrouped\\fR or \\fBstrict\\fR, as \\fB\\-\\-durability\\fR. "
                            "Each of these four is checked as its flag is: a value the flag would refuse is an "
                            "error naming the variable (exit 2). A flag wins over its variable, and a variable "
                            "over the config files."},
    {"XDG_STATE_HOME", "Outside a git repository, and without \\fB\\-\\-home\\fR or \\fBAUTOMATA_HOME\\fR, runs are "
                       "stored in \\fI$XDG_STATE_HOME/automata\\fR (default \\fI~/.local/state/automata\\fR)."},
    {"XDG_CONFIG_HOME", "The user's configuration is \\fI$XDG_CONFIG_HOME/automata/config.yaml\\fR (default "
                        "\\fI~/.config/automata/config.yaml\\fR)."},
    {"GITHUB_ACTIONS", "When \\fBtrue\\fR, plain output also wraps step output in \\fB::group::\\fR/"
                       "\\fB::endgroup::\\fR and reports failures as \\fB::error::\\fR annotations."},
    {"GITHUB_STEP_SUMMARY", "Under GitHub Actions, a Markdown summary of the run is appended to this file."},
    {"TERM", "When \\fBdumb\\fR, \\fB\\-\\-output auto\\fR chooses plain output even on a terminal."},
};

constexpr Entry k_files[] = {
    {".automata/config.yaml", "Project configuration, found in the repository's top directory."},
    {".automata/runs/\\fIRUN\\fP/", "One directory per run (mode 0700; its files are 0600)."},
    {".automata/runs/\\fIRUN\\fP/workflow.yaml", "The exact workflow source the run started with."},
    {".automata/runs/\\fIRUN\\fP/run.json", "Run id, workflow, source hash, inputs (secrets masked), times and "
                                            "status; rewritten atomically."},
    {".automata/runs/\\fIRUN\\fP/journal.jsonl", "The append-only event journal: the truth that \\fBstatus\\fR and "
                                                 "\\fBresume\\fR replay."},
    {".automata/runs/\\fIRUN\\fP/logs/", "The full output of each step attempt."},
    {".automata/runs/\\fIRUN\\fP/artifacts/", "Files steps chose to keep."},
    {".automata/runs/\\fIRUN\\fP/children/", "The nested runs of child workflows."},
    {".automata/runs/\\fIRUN\\fP/lock", "Held by the process driving the run."},
    {".automata/runs/\\fIRUN\\fP/control.sock", "Present while a process drives the run: live status, signals, "
                                                "cancel."},
};

constexpr Entry k_examples[] = {
    {"Run the example workflow with live progress:", "automata run workflows/examples/showcase.yaml"},
    {"Run with an input and a chosen run id, resuming it if it exists already (a CI retry):",
     "automata run deploy.yaml \\-i env=staging \\-\\-run\\-id deploy\\-42 \\-\\-if\\-exists resume"},
    {"Continue the newest run after a crash or Ctrl-C:", "automata resume last"},
    {"Re-run one step and everything downstream of it, after showing what would happen:",
     "automata resume last \\-\\-from build \\-\\-dry\\-run\nautomata resume last \\-\\-from build"},
    {"Follow a step's output while the run goes on:", "automata logs last build \\-\\-follow"},
    {"Approve a run waiting for a signal:", "automata signal last approve \\-\\-data '{\"by\": \"alice\"}'"},
    {"The state of a run for a script:", "automata status last \\-\\-output json"},
    {"Copy a built-in workflow, change it, and run the copy with the same flags:",
     "automata workflows agent > my\\-agent.yaml\nautomata agent \\-\\-workflow my\\-agent.yaml \\-\\-title 'Fix the typo'"},
    {"Check every workflow and draw one:",
     "automata validate workflows/*.yaml\nautomata graph ci.yaml \\-\\-format mermaid"},
    {"Install bash completions:", "automata completions bash > ~/.local/share/bash\\-completion/completions/automata"},
};

std::string entries(const Entry* begin, const Entry* end, bool bold) {
  std::string out;
  for (const Entry* entry = begin; entry != end; ++entry) {
    // \& keeps a term like ".automata/" from reading as a request.
    out += fmt::format(".TP\n\\&{}{}{}\n{}\n", bold ? "\\fB" : "", entry->term, bold ? "\\fR" : "", entry->text);
  }
  return out;
}

}  // namespace

AppDoc describe(const CLI::App& app) {
  AppDoc doc;
  doc.name = app.get_name();
  doc.help = app.get_description();
  doc.global_options = describe_command(app, true).options;
  // A subcommand without a group is hidden (`__man`).
  const auto visible = [](const CLI::App* candidate) { return !candidate->get_group().empty(); };
  for (const CLI::App* sub : app.get_subcommands(visible)) {
    doc.commands.push_back(describe_command(*sub, false));
  }
  return doc;
}

std::optional<std::string> completion_script(const CLI::App& app, std::string_view shell) {
  const AppDoc doc = describe(app);
  if (shell == "bash") {
    return bash_script(doc);
  }
  if (shell == "zsh") {
    return zsh_script(doc);
  }
  if (shell == "fish") {
    return fish_script(doc);
  }
  return std::nullopt;
}

std::string man_page(const CLI::App& app) {
  const AppDoc doc = describe(app);
  std::string summary = doc.help;
  if (const auto colon = summary.find(": "); colon != std::string::npos) {
    summary = summary.substr(colon + 2);
  }
  std::string out = fmt::format(
      R"~(.\" Generated by `{0} __man` (scripts/gen-docs.sh) from the command definitions: do not edit.
.TH {1} 1 "" "{0}" "User Commands"
.nh
.SH NAME
{0} \- {2}
.SH SYNOPSIS
.B {0}
[\fIglobal options\fR] \fIcommand\fR [\fIoptions\fR] [\fIarguments\fR]
.SH DESCRIPTION
.B {0}
runs workflows written in YAML: a graph of steps (shell commands, durable
sleeps, waits for signals, child workflows) that run in parallel as soon as
what they need has finished.
Every event of a run is appended to a journal, so a run that is interrupted
(by Ctrl-C, a crash, or SIGKILL) can be continued with
.BR "{0} resume" ,
which re-runs only the steps that did not complete.
.PP
A \fIRUN\fR argument accepts a run id, a unique prefix of one, or \fBlast\fR
for the newest run.
Everything shown in the terminal is also available as JSON lines with
\fB\-\-output json\fR.
Global options may be given before or after the command.
.SH COMMANDS
)~",
      doc.name, upper(doc.name), roff(summary));
  for (const auto& command : doc.commands) {
    out += fmt::format(".SS \"{}\"\n{}\n", command_synopsis(doc, command), roff(command.help + "."));
    for (const auto& positional : command.positionals) {
      out += man_option_item(positional);
    }
    for (const auto& option : command.options) {
      out += man_option_item(option);
    }
  }
  out += ".SH GLOBAL OPTIONS\n";
  for (const auto& option : doc.global_options) {
    out += man_option_item(option);
  }
  out += ".SH EXIT STATUS\n" + entries(std::begin(k_exit_codes), std::end(k_exit_codes), true);
  out += ".SH ENVIRONMENT\n" + entries(std::begin(k_environment), std::end(k_environment), true);
  out += ".PP\nShell steps also get \\fBAUTOMATA_RUN_ID\\fR, \\fBAUTOMATA_RUN_DIR\\fR, \\fBAUTOMATA_STEP_ID\\fR,\n"
         "\\fBAUTOMATA_ATTEMPT\\fR, \\fBAUTOMATA_WORKFLOW\\fR and \\fBAUTOMATA_OUTPUT\\fR.\n";
  out += ".SH FILES\nRuns are stored in \\fI.automata/\\fR at the top of the git repository (see\n"
         "\\fB\\-\\-home\\fR and \\fBENVIRONMENT\\fR for elsewhere):\n" +
         entries(std::begin(k_files), std::end(k_files), false);
  out += ".TP\n\\fI$XDG_CONFIG_HOME/automata/config.yaml\\fR\nThe user's configuration.\n";
  out += ".SH EXAMPLES\n";
  for (const auto& example : k_examples) {
    out += fmt::format(".PP\n{}\n.PP\n.RS 4\n.nf\n{}\n.fi\n.RE\n", example.term, example.text);
  }
  return out;
}

}  // namespace automata::cli
