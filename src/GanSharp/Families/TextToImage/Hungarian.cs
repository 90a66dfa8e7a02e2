namespace GanSharp.Families.TextToImage;

/// <summary>
/// Minimum-cost assignment (Kuhn 1955, Munkres 1957) by the O(n²m) shortest-augmenting-path form with row and column
/// potentials. Square or rectangular cost matrices; meant for the few objects of a scene.
/// </summary>
public static class Hungarian
{
    /// <summary>
    /// For each row of <paramref name="cost"/> (rows × cols) the column assigned to it, every column used at most
    /// once, minimizing the total cost. When there are more rows than columns, rows left without a column get -1.
    /// </summary>
    public static int[] Solve(double[,] cost)
    {
        int rows = cost.GetLength(0), cols = cost.GetLength(1);
        if (rows == 0) return [];
        if (cols == 0) return Enumerable.Repeat(-1, rows).ToArray();
        if (rows > cols)
        {
            var transposed = new double[cols, rows];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++) transposed[j, i] = cost[i, j];
            var byColumn = Solve(transposed);
            var result = Enumerable.Repeat(-1, rows).ToArray();
            for (int j = 0; j < cols; j++) result[byColumn[j]] = j;
            return result;
        }
        foreach (var c in cost)
            if (!double.IsFinite(c)) throw new ArgumentException("assignment costs must be finite numbers", nameof(cost));

        // 1-based: index 0 is a virtual column/row that starts each augmenting search.
        int n = rows, m = cols;
        var u = new double[n + 1];
        var v = new double[m + 1];
        var match = new int[m + 1];          // row matched to column j (0 = none)
        var way = new int[m + 1];
        for (int i = 1; i <= n; i++)
        {
            match[0] = i;
            int j0 = 0;
            var minv = Enumerable.Repeat(double.PositiveInfinity, m + 1).ToArray();
            var used = new bool[m + 1];
            do
            {
                used[j0] = true;
                int i0 = match[j0], j1 = 0;
                double delta = double.PositiveInfinity;
                for (int j = 1; j <= m; j++)
                {
                    if (used[j]) continue;
                    double reduced = cost[i0 - 1, j - 1] - u[i0] - v[j];
                    if (reduced < minv[j]) { minv[j] = reduced; way[j] = j0; }
                    if (minv[j] < delta) { delta = minv[j]; j1 = j; }
                }
                for (int j = 0; j <= m; j++)
                {
                    if (used[j]) { u[match[j]] += delta; v[j] -= delta; }
                    else minv[j] -= delta;
                }
                j0 = j1;
            } while (match[j0] != 0);
            do
            {
                int j1 = way[j0];
                match[j0] = match[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        var assignment = new int[n];
        for (int j = 1; j <= m; j++)
            if (match[j] != 0) assignment[match[j] - 1] = j - 1;
        return assignment;
    }

    /// <summary>The total cost of an assignment from <see cref="Solve"/> (rows with -1 add nothing).</summary>
    public static double Cost(double[,] cost, int[] assignment)
    {
        double total = 0;
        for (int i = 0; i < assignment.Length; i++)
            if (assignment[i] >= 0) total += cost[i, assignment[i]];
        return total;
    }
}
