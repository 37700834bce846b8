//===- Recipe.cpp - the recipe file of --eqq-convert ----------------------===//

#include "EqQuant/Transforms/Recipe.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir;
using namespace mlir::eqq;

static constexpr StringLiteral kRecipeFormat = "eqquant-recipe/1";

const RecipeLayer *Recipe::lookup(StringRef name) const {
  for (const RecipeLayer &l : layers)
    if (l.name == name)
      return &l;
  return nullptr;
}

static void writeActivation(llvm::json::OStream &j, const RecipeActivation &a) {
  j.object([&] {
    if (a.qparams) {
      j.attributeBegin("scale");
      json::writeFloat(j, a.qparams->scale[0]);
      j.attributeEnd();
      j.attribute("zero_point", static_cast<int64_t>(a.qparams->zeroPoint[0]));
    }
    j.attribute("dtype", a.dtype);
    j.attribute("qscheme", a.qscheme);
    j.attributeBegin("min");
    json::writeFloat(j, a.min);
    j.attributeEnd();
    j.attributeBegin("max");
    json::writeFloat(j, a.max);
    j.attributeEnd();
  });
}

static void writeLayer(llvm::json::OStream &j, const RecipeLayer &l) {
  j.object([&] {
    j.attribute("name", l.name);
    j.attribute("kind", l.kind);
    j.attribute("equalized", l.equalized);
    if (l.equalized) {
      j.attributeBegin("equalization_scale");
      json::writeFloats(j, l.scale);
      j.attributeEnd();
    }
    j.attribute("scale_applied", l.applied);
    if (l.equalized && l.alpha) {
      j.attributeBegin("alpha");
      json::writeFloat(j, *l.alpha);
      j.attributeEnd();
    }
    auto writeCandidates = [&](StringRef key,
                               ArrayRef<RecipeCandidate> candidates) {
      j.attributeArray(key, [&] {
        for (const RecipeCandidate &c : candidates)
          j.object([&] {
            if (c.alpha) {
              j.attributeBegin("alpha");
              json::writeFloat(j, *c.alpha);
              j.attributeEnd();
            } else {
              j.attribute("alpha", nullptr);
            }
            j.attributeBegin("sqnr_db");
            json::writeDouble(j, c.sqnrDb);
            j.attributeEnd();
          });
      });
    };
    if (l.autoAlpha)
      writeCandidates("auto_alpha", *l.autoAlpha);
    if (l.selection) {
      j.attributeObject("selection", [&] {
        j.attribute("scored", l.selection->scored);
        if (l.selection->scored) {
          writeCandidates("candidates", l.selection->candidates);
          j.attribute("rows", l.selection->rows);
        }
        j.attribute("reason", l.selection->reason);
      });
    }
    if (l.input) {
      j.attributeBegin("input");
      writeActivation(j, *l.input);
      j.attributeEnd();
    }
    if (l.output) {
      j.attributeBegin("output");
      writeActivation(j, *l.output);
      j.attributeEnd();
    }
    if (l.weight) {
      j.attributeBegin("weight");
      j.object([&] {
        j.attribute("dtype", l.weight->dtype);
        j.attribute("qscheme", l.weight->qscheme);
        if (l.weight->qparams)
          json::writeQParams(j, *l.weight->qparams);
        if (l.weight->carriedRowScale) {
          // The folded scale is applied by the requantize multiplier.
          j.attributeBegin("carried_row_scale");
          json::writeFloats(j, *l.weight->carriedRowScale);
          j.attributeEnd();
        }
      });
      j.attributeEnd();
    }
  });
}

std::string mlir::eqq::writeRecipe(const Recipe &recipe) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << R"({"format": ")" << kRecipeFormat << R"(", "layers": [)" << "\n";
  for (size_t i = 0, e = recipe.layers.size(); i < e; ++i) {
    llvm::json::OStream j(os);
    writeLayer(j, recipe.layers[i]);
    os << (i + 1 < e ? ",\n" : "\n");
  }
  // Every activation observer's range after equalization, in program order:
  // what recipe-in applies.
  os << "], \"activations\": [\n";
  for (size_t i = 0, e = recipe.activations.size(); i < e; ++i) {
    const RecipeRange &r = recipe.activations[i];
    llvm::json::OStream j(os);
    j.object([&] {
      j.attribute("type", r.type);
      j.attributeBegin("min");
      json::writeFloat(j, r.min);
      j.attributeEnd();
      j.attributeBegin("max");
      json::writeFloat(j, r.max);
      j.attributeEnd();
    });
    os << (i + 1 < e ? ",\n" : "\n");
  }
  os << "]}\n";
  return text;
}

static FailureOr<Recipe> readRecipe(const json::Value &root,
                                    RecipeError &error) {
  auto fail = [&](json::Position pos, const Twine &message) {
    error.pos = pos;
    error.message = message.str();
    return failure();
  };
  if (!root.isObject())
    return fail(root.pos, "expected a JSON object");
  const json::Value *layers = root.get("layers");
  if (!layers || !layers->isArray())
    return fail(layers ? layers->pos : root.pos,
                "'layers' must be an array of layer objects");
  Recipe recipe;
  llvm::StringSet<> names;
  for (const json::Value &l : layers->elements) {
    const json::Value *name = l.get("name");
    const json::Value *eq = l.get("equalized");
    if (!l.isObject() || !name || !name->isString() || !eq || !eq->isBool())
      return fail(l.pos, "each layer needs a string 'name' and a boolean "
                         "'equalized'");
    RecipeLayer r;
    r.name = name->string;
    r.pos = l.pos;
    r.equalized = eq->boolean;
    if (r.equalized) {
      const json::Value *scale = l.get("equalization_scale");
      if (!scale || !scale->isArray())
        return fail(l.pos, "layer '" + name->string +
                               "' is equalized but has no "
                               "'equalization_scale' array");
      for (const json::Value &v : scale->elements) {
        std::optional<float> f = json::readFloat(v);
        if (!f)
          return fail(v.pos, "'equalization_scale' holds numbers");
        r.scale.push_back(*f);
      }
    }
    if (!names.insert(name->string).second)
      return fail(name->pos, "layer '" + name->string + "' appears twice");
    recipe.layers.push_back(std::move(r));
  }
  const json::Value *acts = root.get("activations");
  if (!acts || !acts->isArray())
    return fail(acts ? acts->pos : root.pos,
                "'activations' must be an array (the ranges to apply)");
  recipe.activationsPos = acts->pos;
  for (const json::Value &a : acts->elements) {
    const json::Value *lo = a.get("min"), *hi = a.get("max");
    std::optional<float> min = lo ? json::readFloat(*lo) : std::nullopt;
    std::optional<float> max = hi ? json::readFloat(*hi) : std::nullopt;
    if (!a.isObject() || !min || !max)
      return fail(a.pos, "each activation needs numbers 'min' and 'max'");
    if (!std::isfinite(*min) || !std::isfinite(*max) || *min > *max)
      return fail(a.pos, "an activation range must be finite with min <= max");
    RecipeRange range;
    range.min = *min;
    range.max = *max;
    range.pos = a.pos;
    if (const json::Value *type = a.get("type"); type && type->isString())
      range.type = type->string;
    recipe.activations.push_back(std::move(range));
  }
  return recipe;
}

FailureOr<Recipe> mlir::eqq::parseRecipe(StringRef text, RecipeError &error) {
  json::Value root;
  json::Position pos;
  std::string message;
  if (!json::parse(text, root, pos, message)) {
    error.pos = pos;
    error.message = "malformed JSON: " + message;
    return failure();
  }
  return readRecipe(root, error);
}

FailureOr<Recipe> mlir::eqq::readRecipeFile(StringRef path,
                                            RecipeError &error) {
  json::Value root;
  json::Position pos;
  std::string message;
  if (!json::parseFile(path, root, pos, message)) {
    error.pos = pos;
    error.message = pos.line ? "malformed JSON: " + message : message;
    return failure();
  }
  return readRecipe(root, error);
}
