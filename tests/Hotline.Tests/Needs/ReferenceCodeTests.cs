using Hotline.Needs;

namespace Hotline.Tests.Needs;

public sealed class ReferenceCodeTests
{
    [Fact]
    public void Any_single_wrong_digit_or_swapped_neighbours_make_a_code_that_does_not_exist()
    {
        for (var sequence = 10_000L; sequence < 10_300; sequence++)
        {
            var code = ReferenceCode.FromSequence(sequence);
            Assert.True(ReferenceCode.IsWellFormed(code), code);

            for (var i = 0; i < code.Length; i++)
            {
                foreach (var digit in "0123456789".Where(d => d != code[i]))
                {
                    Assert.False(ReferenceCode.IsWellFormed(code[..i] + digit + code[(i + 1)..]), $"{code} with {digit} at {i}");
                }

                if (i + 1 < code.Length && code[i] != code[i + 1])
                {
                    Assert.False(ReferenceCode.IsWellFormed(code[..i] + code[i + 1] + code[i] + code[(i + 2)..]), $"{code} swapped at {i}");
                }
            }
        }
    }

    [Fact]
    public void Codes_are_read_out_digit_by_digit() => Assert.Equal("1 0 0 0 0 7", ReferenceCode.Spoken("100007"));
}
